"""Organizations and their people: the pages (routes.py), creation, settings and deletion (settings_routes.py,
lifecycle.py), members (member_routes.py, people.py), teams (team_routes.py, teams.py), invitations
(invitation_routes.py, invitations.py) and the audit trail (audit.py). One blueprint: `organizations`."""
