"""The service platform: database, records, permissions, audit trail, signatures, workflows."""
