"""Use cases: check the rules, write through the ports, append the matching domain event.

One module per concern; this package re-exports them, so callers write `services.<verb>`.
Every writing use case takes (tx, clock, actor, ...) and either writes its change and its
event in the caller's transaction or raises a node.errors exception before writing anything.
"""
from __future__ import annotations

from .amendments import (
    integrate_amendment,
    propose_amendment,
    reject_amendment,
    vote_on_amendment,
    withdraw_amendment,
)
from .arguments import (
    edit_argument,
    mark_argument_useful,
    post_argument,
    unmark_argument_useful,
    withdraw_argument,
)
from .debates import (
    assign_debate_role,
    change_debate_status,
    close_due_debates,
    create_debate,
    remove_debate_role,
    update_debate_settings,
)
from .lookup import get_debate, get_member, hash_token
from .members import (
    INVITATION_PREFIX,
    TOKEN_PREFIX,
    admit_member,
    change_password,
    change_role,
    check_registration,
    create_invitation,
    issue_api_token,
    list_api_tokens,
    register_member,
    request_password_reset,
    reset_password,
    revoke_api_token,
    verify_resident,
)
from .moderation import hide_content, unhide_content
from .network import (
    list_network_debates,
    list_territories,
    list_themes,
    search_network,
    tombstone_remote_proposal,
    upsert_remote_debate,
    upsert_remote_proposal,
    upsert_territory,
)
from .proposals import (
    add_coauthor,
    answer_proposal,
    change_proposal_status,
    edit_proposal,
    remove_coauthor,
    submit_proposal,
)
from .reading import (
    arguments_side_by_side,
    get_proposal_detail,
    get_proposal_version,
    list_amendments,
    list_arguments,
    list_history,
    list_moderation,
    list_proposals,
    list_votes,
)
from .votes import cast_vote, withdraw_vote

__all__ = [
    "INVITATION_PREFIX", "TOKEN_PREFIX",
    # members and accounts
    "admit_member", "register_member", "check_registration", "create_invitation", "change_role", "verify_resident",
    "issue_api_token", "list_api_tokens", "revoke_api_token", "hash_token",
    "request_password_reset", "reset_password",
    "change_password", "get_member",
    # debates
    "create_debate", "change_debate_status", "close_due_debates", "update_debate_settings",
    "assign_debate_role", "remove_debate_role", "get_debate",
    # proposals and answers
    "submit_proposal", "edit_proposal", "change_proposal_status", "add_coauthor",
    "remove_coauthor", "answer_proposal",
    # arguments
    "post_argument", "edit_argument", "withdraw_argument", "mark_argument_useful",
    "unmark_argument_useful",
    # amendments
    "propose_amendment", "vote_on_amendment", "integrate_amendment", "reject_amendment",
    "withdraw_amendment",
    # votes
    "cast_vote", "withdraw_vote",
    # moderation
    "hide_content", "unhide_content",
    # reading
    "get_proposal_detail", "get_proposal_version", "list_proposals", "list_arguments",
    "arguments_side_by_side", "list_amendments", "list_history", "list_votes",
    "list_moderation",
    # the network view
    "upsert_territory", "upsert_remote_debate", "upsert_remote_proposal",
    "tombstone_remote_proposal", "search_network", "list_territories", "list_network_debates",
    "list_themes",
]
