-- Passwords: change from the profile, reset by an emailed link, and sessions
-- that end when the password changes.
--
-- * `users.session_epoch` is copied into a session at sign-in and compared on
--   every request where the member is loaded: changing or resetting a password
--   moves it on, so every session made before is signed out at its next request
--   (the session rows themselves are opaque, serialized records). The tenant
--   role may read it (the member check runs in the tenant transaction), never
--   change it.
-- * `password_resets` holds single-use, expiring reset tokens, stored only as
--   their SHA-256. It is a platform table (no tenant): the tenant role has no
--   right on it; only the owner pool reads and writes it.

ALTER TABLE users ADD COLUMN session_epoch integer NOT NULL DEFAULT 0;
GRANT SELECT (session_epoch) ON users TO shopfloor_tenant;

CREATE TABLE password_resets (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id),
    token_hash  bytea NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX password_resets_user ON password_resets (user_id) WHERE used_at IS NULL;
REVOKE ALL ON password_resets FROM PUBLIC;
