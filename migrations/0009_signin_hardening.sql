-- Sign-in hardening: tenant rows written by sign-up, seeding and invitation
-- acceptance are written as the tenant role under row-level security.
--
-- Those paths begin on the owner pool (a new tenant or user row is not a
-- tenant row) and then switch the same transaction to `shopfloor_tenant` with
-- the tenant set (`PlatformTx::into_tenant`), so they stay atomic while the
-- owner role writes only `users`, `tenants` and the log-in throttle. The role
-- that runs migrations (the owner pool's login) must be able to switch to it;
-- a superuser can anyway.
DO $$
BEGIN
    EXECUTE format('GRANT shopfloor_tenant TO %I', current_user);
END
$$;

-- Accepting an invitation marks it accepted from the tenant transaction.
GRANT UPDATE (accepted_at, accepted_by) ON invitations TO shopfloor_tenant;
