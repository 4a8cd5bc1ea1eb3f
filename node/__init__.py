"""The territory's domain: members, debates and their rules. Standard library only."""
