-- The database as the last line (issue: tenancy hardening).
--
-- * The session store is out of reach of every tenant transaction: session ids
--   are bearer tokens for every tenant and the console. Sessions are stored
--   through the owner pool; the tenant role has no right on them at all.
-- * Shared rows are not writable from a tenant transaction: `users` (people who
--   may belong to other tenants) can no longer be renamed by the tenant role; a
--   person renames themselves through their profile (the owner pool, own row).
-- * A finalized bill must add up and carry the counter's number: checked by the
--   database at the moment a draft becomes final (lines, payments and totals
--   cannot change afterwards, the immutability trigger sees to that).
-- * A number counter only ever moves by one.
-- * SECURITY DEFINER functions resolve names in pg_catalog first.
--
-- The login role of the tenant pool must not inherit the tenant role's grants
-- (NOINHERIT): then `RESET ROLE` inside a tenant transaction leaves a role that
-- can read nothing. Login roles are provisioned outside migrations (the embedded
-- default and the test harness make theirs NOINHERIT; the server refuses to start
-- on a login role that can read tenant tables by itself).

REVOKE ALL ON tower_sessions.session FROM shopfloor_tenant;
REVOKE USAGE ON SCHEMA tower_sessions FROM shopfloor_tenant;

REVOKE UPDATE (display_name) ON users FROM shopfloor_tenant;

ALTER FUNCTION platform_tenants() SET search_path = pg_catalog, public;
ALTER FUNCTION platform_set_tenant_status(uuid, uuid, text) SET search_path = pg_catalog, public;
ALTER FUNCTION platform_set_tenant_plan(uuid, uuid, text, integer) SET search_path = pg_catalog, public;

-- Counters: born at 1, then +1 at a time; never renamed or moved to a tenant.
CREATE FUNCTION tenant_counters_step_by_one() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.last_value <> 1 THEN
            RAISE EXCEPTION 'a number counter starts at 1'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'tenant_counters_step_by_one';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.tenant_id <> OLD.tenant_id OR NEW.name <> OLD.name OR NEW.last_value <> OLD.last_value + 1 THEN
        RAISE EXCEPTION 'a number counter only moves up by one'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'tenant_counters_step_by_one';
    END IF;
    RETURN NEW;
END
$$;
REVOKE EXECUTE ON FUNCTION tenant_counters_step_by_one() FROM PUBLIC;
CREATE TRIGGER tenant_counters_step_by_one
    BEFORE INSERT OR UPDATE ON tenant_counters
    FOR EACH ROW EXECUTE FUNCTION tenant_counters_step_by_one();

-- A draft becomes final only whole: at least one line, every line's figures
-- consistent, the bill's figures the sums of its lines, payments equal to the
-- total (change as recorded), and the number the bill counter has just reached.
-- Runs as the caller (the tenant role sees its own rows under RLS).
CREATE FUNCTION bills_check_finalization() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE
    l record;
    p record;
    counter bigint;
BEGIN
    SELECT count(*) AS n,
           coalesce(sum(unit_price * quantity), 0) AS gross,
           coalesce(sum(line_discount + bill_discount), 0) AS discount,
           coalesce(sum(bill_discount), 0) AS bill_discount,
           coalesce(sum(net), 0) AS net,
           coalesce(sum(tax), 0) AS tax,
           coalesce(sum(total), 0) AS total,
           count(*) FILTER (WHERE
               unit_price * quantity - line_discount - bill_discount < 0
               OR net + tax <> total
               OR (NEW.tax_mode = 'inclusive' AND total <> unit_price * quantity - line_discount - bill_discount)
               OR (NEW.tax_mode = 'exclusive' AND net <> unit_price * quantity - line_discount - bill_discount)
           ) AS bad_lines
      INTO l
      FROM bill_lines WHERE tenant_id = NEW.tenant_id AND bill_id = NEW.id;
    SELECT coalesce(sum(amount), 0) AS amount, coalesce(sum(change), 0) AS change
      INTO p
      FROM payments WHERE tenant_id = NEW.tenant_id AND bill_id = NEW.id;
    SELECT last_value INTO counter
      FROM tenant_counters WHERE tenant_id = NEW.tenant_id AND name = 'bill';

    IF l.n = 0 OR l.bad_lines > 0
       OR NEW.gross <> l.gross OR NEW.discount <> l.discount OR NEW.bill_discount <> l.bill_discount
       OR NEW.net <> l.net OR NEW.tax <> l.tax OR NEW.total <> l.total THEN
        RAISE EXCEPTION 'bill % does not add up to its lines', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'bills_finalized_add_up';
    END IF;
    IF NEW.paid <> NEW.total OR p.amount <> NEW.paid OR p.change <> NEW.change_given THEN
        RAISE EXCEPTION 'bill % is not paid by its payments', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'bills_finalized_add_up';
    END IF;
    IF counter IS NULL OR NEW.number <> counter THEN
        RAISE EXCEPTION 'bill % must take the next number of the bill counter', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'bills_finalized_take_next_number';
    END IF;
    RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION bills_check_finalization() FROM PUBLIC;
CREATE TRIGGER bills_check_finalization
    AFTER UPDATE OF status ON bills
    FOR EACH ROW
    WHEN (OLD.status = 'draft' AND NEW.status = 'finalized')
    EXECUTE FUNCTION bills_check_finalization();
