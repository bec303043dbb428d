-- Organizations: settings, invitations, the last-owner guard, and the platform
-- console's narrow cross-tenant path.
--
-- Invariants guarded here:
-- * a tenant always keeps at least one active owner (deferred constraint trigger
--   on memberships: whatever query demotes or deactivates the last one fails);
-- * an invitation's token is stored only as a SHA-256 hash, is used once, and an
--   accepted or revoked invitation never becomes pending again;
-- * platform operators read tenants only through SECURITY DEFINER functions
--   that return aggregates (counts, sizes, times), as a role that can read no
--   table at all; every operator action writes platform_audit in the same call.

-- Settings: owners and admins change the business profile through the tenant
-- role (its own row only, by RLS).
GRANT UPDATE (business_type) ON tenants TO shopfloor_tenant;

-- Invitations -------------------------------------------------------------------
CREATE TABLE invitations (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    id          uuid NOT NULL,
    email       text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    role        text NOT NULL CHECK (role IN ('owner', 'admin', 'manager', 'cashier')),
    token_hash  bytea NOT NULL CHECK (length(token_hash) = 32),
    invited_by  uuid NOT NULL REFERENCES users (id),
    expires_at  timestamptz NOT NULL,
    accepted_at timestamptz,
    accepted_by uuid REFERENCES users (id),
    revoked_at  timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT invitations_tenant_token_key UNIQUE (tenant_id, token_hash),
    CONSTRAINT invitations_one_outcome CHECK (accepted_at IS NULL OR revoked_at IS NULL),
    CONSTRAINT invitations_accepted_by CHECK ((accepted_at IS NULL) = (accepted_by IS NULL))
);
CREATE INDEX invitations_tenant_pending ON invitations (tenant_id, email)
    WHERE accepted_at IS NULL AND revoked_at IS NULL;
ALTER TABLE invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE invitations FORCE ROW LEVEL SECURITY;
CREATE POLICY invitations_tenant_isolation ON invitations
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
GRANT SELECT, INSERT ON invitations TO shopfloor_tenant;
GRANT UPDATE (revoked_at) ON invitations TO shopfloor_tenant;

-- An outcome is final: once accepted or revoked, an invitation never changes.
CREATE FUNCTION invitations_outcome_is_final() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    IF OLD.accepted_at IS NOT NULL OR OLD.revoked_at IS NOT NULL THEN
        RAISE EXCEPTION 'invitation % is already %', OLD.id,
            CASE WHEN OLD.accepted_at IS NOT NULL THEN 'accepted' ELSE 'revoked' END
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.token_hash <> OLD.token_hash OR NEW.email <> OLD.email OR NEW.role <> OLD.role THEN
        RAISE EXCEPTION 'an invitation''s email, role and token never change'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER invitations_final
    BEFORE UPDATE ON invitations
    FOR EACH ROW EXECUTE FUNCTION invitations_outcome_is_final();

-- The last active owner -----------------------------------------------------------
-- Checked at commit (deferred), so a transfer that promotes one owner and demotes
-- another in the same transaction passes. The check runs with the caller's rights:
-- under RLS it sees the changed row's own tenant, which is all it needs.
CREATE FUNCTION memberships_keep_an_owner() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public, pg_catalog AS $$
BEGIN
    IF OLD.role = 'owner' AND OLD.is_active
       AND NOT EXISTS (SELECT 1 FROM memberships m
                       WHERE m.tenant_id = OLD.tenant_id AND m.role = 'owner' AND m.is_active) THEN
        RAISE EXCEPTION 'a business must keep at least one active owner'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'memberships_keep_an_owner';
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER memberships_keep_an_owner
    AFTER UPDATE OR DELETE ON memberships
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION memberships_keep_an_owner();

-- The platform console -------------------------------------------------------------
-- `shopfloor_platform` is what console requests run as (SET LOCAL ROLE on the
-- owner pool). It may execute the functions below and read nothing else: a bug in
-- a console query cannot read a product, a bill or a customer.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shopfloor_platform') THEN
        CREATE ROLE shopfloor_platform NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    END IF;
    -- The role that runs migrations (the owner pool's login) must be able to
    -- switch to it; a superuser can anyway.
    EXECUTE format('GRANT shopfloor_platform TO %I', current_user);
END
$$;
GRANT USAGE ON SCHEMA public TO shopfloor_platform;

-- Operator actions, append-only like the tenants' audit log. Not a tenant table:
-- no tenant role can read it (RLS on, no policy, no grant).
CREATE TABLE platform_audit (
    id               uuid PRIMARY KEY,
    operator_id      uuid NOT NULL REFERENCES users (id),
    action           text NOT NULL,
    target_tenant_id uuid REFERENCES tenants (id),
    before           jsonb,
    after            jsonb,
    created_at       timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE platform_audit ENABLE ROW LEVEL SECURITY;
ALTER TABLE platform_audit FORCE ROW LEVEL SECURITY;
CREATE TRIGGER platform_audit_append_only
    BEFORE UPDATE OR DELETE ON platform_audit
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER platform_audit_no_truncate
    BEFORE TRUNCATE ON platform_audit
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

-- Every tenant with aggregates only. The storage estimate is the sum of the
-- tenant's row sizes in its largest tables (an estimate: no TOAST, no indexes).
CREATE FUNCTION platform_tenants()
RETURNS TABLE (
    id uuid, slug text, name text, business_type text, plan text, status text,
    max_users integer, created_at timestamptz, member_count bigint,
    product_count bigint, bill_count bigint, storage_bytes bigint,
    last_activity timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_catalog AS $$
    SELECT t.id, t.slug, t.name, t.business_type, t.plan, t.status, t.max_users, t.created_at,
           (SELECT count(*) FROM memberships m WHERE m.tenant_id = t.id AND m.is_active),
           (SELECT count(*) FROM products p WHERE p.tenant_id = t.id),
           (SELECT count(*) FROM bills b WHERE b.tenant_id = t.id AND b.status = 'finalized'),
           coalesce((SELECT sum(pg_column_size(p.*)) FROM products p WHERE p.tenant_id = t.id), 0)::bigint
         + coalesce((SELECT sum(pg_column_size(s.*)) FROM stock_movements s WHERE s.tenant_id = t.id), 0)::bigint
         + coalesce((SELECT sum(pg_column_size(b.*)) FROM bills b WHERE b.tenant_id = t.id), 0)::bigint
         + coalesce((SELECT sum(pg_column_size(l.*)) FROM bill_lines l WHERE l.tenant_id = t.id), 0)::bigint
         + coalesce((SELECT sum(pg_column_size(a.*)) FROM audit_log a WHERE a.tenant_id = t.id), 0)::bigint,
           (SELECT max(a.created_at) FROM audit_log a WHERE a.tenant_id = t.id)
    FROM tenants t
    ORDER BY t.created_at, t.slug
$$;

-- Suspends or reactivates a tenant, audited on both sides: the platform's log and
-- the tenant's own (so its owner can see who did it and when).
CREATE FUNCTION platform_set_tenant_status(operator uuid, tenant uuid, new_status text)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_catalog AS $$
DECLARE
    old_status text;
BEGIN
    IF new_status NOT IN ('active', 'suspended') THEN
        RAISE EXCEPTION 'unknown tenant status %', new_status USING ERRCODE = 'check_violation';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM users WHERE id = operator AND is_platform_operator) THEN
        RAISE EXCEPTION 'not a platform operator' USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT status INTO old_status FROM tenants WHERE id = tenant FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no such tenant' USING ERRCODE = 'no_data_found';
    END IF;
    IF old_status = new_status THEN
        RETURN old_status;
    END IF;
    UPDATE tenants SET status = new_status WHERE id = tenant;
    INSERT INTO platform_audit (id, operator_id, action, target_tenant_id, before, after)
    VALUES (gen_random_uuid(), operator, 'tenant.' || new_status, tenant,
            jsonb_build_object('status', old_status), jsonb_build_object('status', new_status));
    PERFORM set_config('app.tenant_id', tenant::text, true);
    INSERT INTO audit_log (tenant_id, id, actor_user_id, action, entity, entity_id, before, after)
    VALUES (tenant, gen_random_uuid(), operator, 'platform.tenant_' || new_status, 'tenant', tenant::text,
            jsonb_build_object('status', old_status), jsonb_build_object('status', new_status));
    PERFORM set_config('app.tenant_id', '', true);
    RETURN new_status;
END
$$;

CREATE FUNCTION platform_set_tenant_plan(operator uuid, tenant uuid, new_plan text, new_max_users integer)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_catalog AS $$
DECLARE
    old_plan text;
    old_max integer;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM users WHERE id = operator AND is_platform_operator) THEN
        RAISE EXCEPTION 'not a platform operator' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF new_plan !~ '^[a-z][a-z0-9_-]{1,29}$' THEN
        RAISE EXCEPTION 'a plan name is 2 to 30 lower-case letters, digits, - or _'
            USING ERRCODE = 'check_violation';
    END IF;
    IF new_max_users < 1 OR new_max_users > 10000 THEN
        RAISE EXCEPTION 'max users must be between 1 and 10000' USING ERRCODE = 'check_violation';
    END IF;
    SELECT plan, max_users INTO old_plan, old_max FROM tenants WHERE id = tenant FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no such tenant' USING ERRCODE = 'no_data_found';
    END IF;
    UPDATE tenants SET plan = new_plan, max_users = new_max_users WHERE id = tenant;
    INSERT INTO platform_audit (id, operator_id, action, target_tenant_id, before, after)
    VALUES (gen_random_uuid(), operator, 'tenant.plan_changed', tenant,
            jsonb_build_object('plan', old_plan, 'max_users', old_max),
            jsonb_build_object('plan', new_plan, 'max_users', new_max_users));
    PERFORM set_config('app.tenant_id', tenant::text, true);
    INSERT INTO audit_log (tenant_id, id, actor_user_id, action, entity, entity_id, before, after)
    VALUES (tenant, gen_random_uuid(), operator, 'platform.plan_changed', 'tenant', tenant::text,
            jsonb_build_object('plan', old_plan, 'max_users', old_max),
            jsonb_build_object('plan', new_plan, 'max_users', new_max_users));
    PERFORM set_config('app.tenant_id', '', true);
END
$$;

REVOKE EXECUTE ON FUNCTION platform_tenants() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION platform_set_tenant_status(uuid, uuid, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION platform_set_tenant_plan(uuid, uuid, text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION platform_tenants() TO shopfloor_platform;
GRANT EXECUTE ON FUNCTION platform_set_tenant_status(uuid, uuid, text) TO shopfloor_platform;
GRANT EXECUTE ON FUNCTION platform_set_tenant_plan(uuid, uuid, text, integer) TO shopfloor_platform;
