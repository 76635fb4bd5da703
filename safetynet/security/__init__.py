"""Who may do what, where: password hashing, users, role permissions, region scope, audit log."""
