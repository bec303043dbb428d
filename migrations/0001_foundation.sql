-- Foundation: tenants, users, memberships, sessions, hand-off tokens, log-in
-- throttling and the audit log, with row-level security from the first table.
--
-- Roles. `shopfloor_tenant` is what every tenant request runs as (SET LOCAL ROLE
-- inside the tenant transaction): not a superuser, not BYPASSRLS, owns nothing.
-- The migration role (whoever runs this file) owns the tables; FORCE RLS makes the
-- policies bind even for it. Login roles for the app pool are granted
-- `shopfloor_tenant` by whoever provisions them (the embedded default does).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shopfloor_tenant') THEN
        CREATE ROLE shopfloor_tenant NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    END IF;
END
$$;

REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO shopfloor_tenant;

-- Tenants (organizations). Not a tenant-owned table (it *is* the tenant), but a
-- tenant session sees only its own row.
CREATE TABLE tenants (
    id            uuid PRIMARY KEY,
    slug          text NOT NULL,
    name          text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 120),
    business_type text NOT NULL DEFAULT 'retail'
                  CHECK (business_type IN ('retail', 'restaurant', 'supermarket', 'auto_service', 'dealership')),
    status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    plan          text NOT NULL DEFAULT 'starter',
    max_users     integer NOT NULL DEFAULT 10 CHECK (max_users > 0),
    settings      jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tenants_slug_key UNIQUE (slug),
    CONSTRAINT tenants_slug_format CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$')
);
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
-- The platform path (tenant resolution, sign-up) runs as the owner role, which
-- must be a superuser or BYPASSRLS; tenant sessions see their own row only.
CREATE POLICY tenants_own_row ON tenants
    USING (id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
GRANT SELECT ON tenants TO shopfloor_tenant;
GRANT UPDATE (name, settings) ON tenants TO shopfloor_tenant;

-- Users are global (one person, many businesses). Email is unique case-insensitively.
CREATE TABLE users (
    id            uuid PRIMARY KEY,
    email         text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    display_name  text NOT NULL CHECK (length(btrim(display_name)) BETWEEN 1 AND 120),
    password_hash text NOT NULL,
    is_platform_operator boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

-- Memberships: a user's role in a tenant.
CREATE TABLE memberships (
    tenant_id    uuid NOT NULL REFERENCES tenants (id),
    user_id      uuid NOT NULL REFERENCES users (id),
    role         text NOT NULL CHECK (role IN ('owner', 'admin', 'manager', 'cashier')),
    is_active    boolean NOT NULL DEFAULT true,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz,
    PRIMARY KEY (tenant_id, user_id)
);
CREATE INDEX memberships_user_idx ON memberships (user_id);
ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE memberships FORCE ROW LEVEL SECURITY;
CREATE POLICY memberships_tenant_isolation ON memberships
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
GRANT SELECT, INSERT ON memberships TO shopfloor_tenant;
GRANT UPDATE (role, is_active, last_seen_at) ON memberships TO shopfloor_tenant;

-- A user row (and email) is visible inside a tenant only when the user is a member
-- of it. The password hash is never granted to the tenant role.
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY users_visible_to_their_tenants ON users
    USING (EXISTS (
        SELECT 1 FROM memberships m
        WHERE m.user_id = users.id
          AND m.tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (EXISTS (
        SELECT 1 FROM memberships m
        WHERE m.user_id = users.id
          AND m.tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid));
GRANT SELECT (id, email, display_name, created_at) ON users TO shopfloor_tenant;
GRANT UPDATE (display_name) ON users TO shopfloor_tenant;

-- Single-use, short-lived tokens that carry a sign-in from the apex domain to a
-- tenant subdomain. Only a SHA-256 hash of the token is stored.
CREATE TABLE handoff_tokens (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    id         uuid NOT NULL,
    token_hash bytea NOT NULL,
    user_id    uuid NOT NULL REFERENCES users (id),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES memberships (tenant_id, user_id),
    CONSTRAINT handoff_tokens_tenant_hash_key UNIQUE (tenant_id, token_hash)
);
ALTER TABLE handoff_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE handoff_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY handoff_tokens_tenant_isolation ON handoff_tokens
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
GRANT SELECT, INSERT, DELETE ON handoff_tokens TO shopfloor_tenant;
GRANT UPDATE (used_at) ON handoff_tokens TO shopfloor_tenant;

-- Failed log-in counters per account and per client address (platform path only).
CREATE TABLE login_throttle (
    key          text PRIMARY KEY,
    failures     integer NOT NULL DEFAULT 0,
    window_start timestamptz NOT NULL DEFAULT now(),
    locked_until timestamptz
);

-- Append-only audit log: the tenant role may insert and read, never change.
CREATE TABLE audit_log (
    tenant_id     uuid NOT NULL REFERENCES tenants (id),
    id            uuid NOT NULL,
    actor_user_id uuid REFERENCES users (id),
    action        text NOT NULL,
    entity        text NOT NULL,
    entity_id     text,
    before        jsonb,
    after         jsonb,
    request_id    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX audit_log_tenant_time_idx ON audit_log (tenant_id, created_at DESC);
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_log_tenant_isolation ON audit_log
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
GRANT SELECT, INSERT ON audit_log TO shopfloor_tenant;

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
REVOKE EXECUTE ON FUNCTION audit_log_refuse_change() FROM PUBLIC;
CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

-- Sessions (tower-sessions' PostgreSQL store, created here so that its grants live
-- with it). Sessions carry no tenant data; cookies are host-only and the session
-- remembers the tenant it was made for.
CREATE SCHEMA IF NOT EXISTS tower_sessions;
CREATE TABLE tower_sessions.session (
    id          text PRIMARY KEY NOT NULL,
    data        bytea NOT NULL,
    expiry_date timestamptz NOT NULL
);
GRANT USAGE ON SCHEMA tower_sessions TO shopfloor_tenant;
GRANT SELECT, INSERT, UPDATE, DELETE ON tower_sessions.session TO shopfloor_tenant;
