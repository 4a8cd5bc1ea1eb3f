"""The map of the application: every route in one list."""
from __future__ import annotations

from importlib import resources

from aiohttp import web

from federation.routes import FederationRoutes

from . import account, admin, admin_territories, api, appkeys, contribution_edits, feeds, pages
from . import pages_debate, pages_network, pages_proposal, profile, proposal_actions, proposal_form

STATIC_DIR = resources.files("web") / "static"


def setup_routes(app: web.Application) -> None:
    # Debate and member pages answer AS2 JSON to federation clients (content negotiation).
    federation = FederationRoutes(appkeys.FEDERATION)
    app.router.add_routes(
        [
            web.get("/", pages.home, name="home"),
            web.get("/debats/{slug}", federation.debate(pages_debate.debate), name="debate"),
            # Deliberation pages and forms. A proposal has one canonical URL,
            # /propositions/{id} (its ActivityPub id later); versions hang below it.
            web.get("/debats/{slug}/moderation", pages_debate.moderation_history,
                    name="debate_moderation"),
            web.get("/debats/{slug}/propositions/nouvelle", proposal_form.new_proposal_form,
                    name="proposal_new"),
            web.post("/debats/{slug}/propositions/nouvelle", proposal_form.submit_proposal),
            web.get(r"/propositions/{id:\d+}", federation.proposal(pages_proposal.proposal),
                    name="proposal"),
            web.get(r"/propositions/{id:\d+}/versions/{n:\d+}", pages_proposal.proposal_version,
                    name="proposal_version"),
            web.get(r"/propositions/{id:\d+}/modifier", proposal_form.edit_proposal_form,
                    name="proposal_edit"),
            web.post(r"/propositions/{id:\d+}/modifier", proposal_form.edit_proposal),
            web.post(r"/propositions/{id:\d+}/vote", proposal_actions.vote, name="proposal_vote"),
            web.post(r"/propositions/{id:\d+}/arguments", proposal_actions.post_argument,
                     name="proposal_arguments"),
            web.post(r"/propositions/{id:\d+}/reponse", proposal_actions.answer,
                     name="proposal_answer"),
            web.post(r"/propositions/{id:\d+}/statut", proposal_actions.change_status,
                     name="proposal_status"),
            web.get(r"/propositions/{id:\d+}/amendements/nouveau", proposal_actions.amendment_form,
                    name="amendment_new"),
            web.post(r"/propositions/{id:\d+}/amendements", proposal_actions.propose_amendment,
                     name="proposal_amendments"),
            web.post(r"/arguments/{id:\d+}/utile", proposal_actions.mark_useful,
                     name="argument_useful"),
            web.post(r"/amendements/{id:\d+}/vote", proposal_actions.vote_on_amendment,
                     name="amendment_vote"),
            web.post(r"/amendements/{id:\d+}/integrer", proposal_actions.integrate_amendment,
                     name="amendment_integrate"),
            web.post(r"/amendements/{id:\d+}/rejeter", proposal_actions.reject_amendment,
                     name="amendment_reject"),
            web.post(r"/moderation/{kind}/{id:\d+}/{verb}", proposal_actions.moderate,
                     name="moderate"),
            # One's own contributions afterwards, co-authors and public votes.
            web.get(r"/arguments/{id:\d+}/modifier", contribution_edits.edit_argument_form,
                    name="argument_edit"),
            web.post(r"/arguments/{id:\d+}/modifier", contribution_edits.edit_argument),
            web.get(r"/arguments/{id:\d+}/retirer", contribution_edits.withdraw_argument_form,
                    name="argument_withdraw"),
            web.post(r"/arguments/{id:\d+}/retirer", contribution_edits.withdraw_argument),
            web.get(r"/amendements/{id:\d+}/retirer", contribution_edits.withdraw_amendment_form,
                    name="amendment_withdraw"),
            web.post(r"/amendements/{id:\d+}/retirer", contribution_edits.withdraw_amendment),
            web.get(r"/propositions/{id:\d+}/coauteurs", contribution_edits.coauthors,
                    name="proposal_coauthors"),
            web.post(r"/propositions/{id:\d+}/coauteurs", contribution_edits.add_coauthor),
            web.post(r"/propositions/{id:\d+}/coauteurs/retrait", contribution_edits.remove_coauthor,
                     name="proposal_coauthors_remove"),
            web.get(r"/propositions/{id:\d+}/votes", contribution_edits.votes, name="proposal_votes"),
            web.get("/membres/{username}", federation.member(profile.member), name="member"),
            web.get("/healthz", pages.healthz, name="healthz"),
            web.get("/connexion", account.login_form, name="login"),
            web.post("/connexion", account.login),
            web.post("/deconnexion", account.logout, name="logout"),
            web.get("/inscription", account.register_form, name="register"),
            web.post("/inscription", account.register),
            web.get("/mot-de-passe/{token}", account.reset_form, name="password_reset"),
            web.post("/mot-de-passe/{token}", account.reset),
            # Member profile and admin area: administrators only, but trusted third
            # parties reach the verification page.
            web.post("/compte/mot-de-passe", profile.change_password, name="password_change"),
            web.get("/admin", admin.overview, name="admin"),
            web.get("/admin/membres", admin.members, name="admin_members"),
            web.get("/admin/membres/{username}", admin.member, name="admin_member"),
            web.post("/admin/membres/{username}/role", admin.change_role, name="admin_member_role"),
            web.get("/admin/verification", admin.verification, name="admin_verification"),
            web.post("/admin/verification", admin.verify),
            web.get("/admin/invitations", admin.invitations, name="admin_invitations"),
            web.post("/admin/invitations", admin.create_invitation),
            web.get("/admin/debats", admin.debates, name="admin_debates"),
            web.get("/admin/nouveau-debat", admin.new_debate_form, name="admin_new_debate"),
            web.post("/admin/nouveau-debat", admin.create_debate),
            web.get("/admin/debats/{slug}", admin.debate, name="admin_debate"),
            web.post("/admin/debats/{slug}/statut", admin.change_status, name="admin_debate_status"),
            web.post("/admin/debats/{slug}/parametres", admin.update_settings,
                     name="admin_debate_settings"),
            web.post("/admin/debats/{slug}/responsables", admin.assign_role,
                     name="admin_debate_roles"),
            web.post("/admin/debats/{slug}/responsables/retrait", admin.remove_role,
                     name="admin_debate_roles_remove"),
            # Territories this node follows, and those asking to follow it.
            web.get("/admin/territoires", admin_territories.territories_list,
                    name="admin_territories"),
            web.post("/admin/territoires", admin_territories.territory_follow),
            web.post("/admin/territoires/retrait", admin_territories.territory_unfollow,
                     name="admin_territories_remove"),
            web.post("/admin/territoires/abonnes/accepter", admin_territories.follower_approve,
                     name="admin_follower_approve"),
            web.post("/admin/territoires/abonnes/refuser", admin_territories.follower_reject,
                     name="admin_follower_reject"),
            # JSON API: every /api/v1 route comes from web/api.py's endpoint table,
            # which also builds the OpenAPI document at /api/v1/openapi.json.
            *api.routes(),
            # The network view: territories, search and Atom feeds. The debate feed
            # is its own route: /debats/{slug} is wrapped by content negotiation.
            web.get("/reseau", pages_network.page, name="network"),
            web.get("/reseau/flux.atom", feeds.network_feed, name="network_feed"),
            web.get("/debats/{slug}/flux.atom", feeds.debate_feed, name="debate_feed"),
            web.static("/static", str(STATIC_DIR), name="static", append_version=False),
            *federation.table(),
        ]
    )
