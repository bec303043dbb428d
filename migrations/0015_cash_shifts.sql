-- Tills and cash shifts (issue #12, part A).
--
-- A till is a named register of the business. A shift is one cashier's time
-- on a till: opened with a float, cash in and out with a reason, closed with
-- the amount counted per payment method; the close fixes its figures and takes
-- the business's next Z number. Sales made on a till record the shift on every
-- payment (and a refund made at a till on its credit note).
--
-- Invariants guarded here:
-- * one open shift per till (a partial unique index);
-- * a payment, a refund, a cash movement or a count is recorded only on an
--   open shift, and waits for a close in progress (the row is read FOR SHARE,
--   the close holds it FOR UPDATE): a closed shift's figures never move;
-- * a closed shift, its counts and its cash movements can never be updated or
--   deleted: a trigger refuses it to any role (like finalized bills);
-- * Z numbers are gapless per business: taken from the `z_report` counter in
--   the close's own transaction, and the close must carry exactly that number;
-- * money is integer minor units, like the bills.

ALTER TABLE tenant_counters DROP CONSTRAINT tenant_counters_name_check;
ALTER TABLE tenant_counters ADD CONSTRAINT tenant_counters_name_check
    CHECK (name IN ('bill', 'credit_note', 'z_report'));

CREATE TABLE tills (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    id         uuid NOT NULL,
    name       text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 60),
    is_active  boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX tills_tenant_name_key ON tills (tenant_id, lower(name));

CREATE TABLE shifts (
    tenant_id      uuid NOT NULL REFERENCES tenants (id),
    id             uuid NOT NULL,
    till_id        uuid NOT NULL,
    cashier_id     uuid NOT NULL REFERENCES users (id),
    opened_at      timestamptz NOT NULL DEFAULT now(),
    opening_float  bigint NOT NULL CHECK (opening_float >= 0),
    status         text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    closed_at      timestamptz,
    closed_by      uuid REFERENCES users (id),
    z_number       bigint,
    -- The figures fixed at close (NULL while open).
    bills          bigint,
    sales_total    bigint,
    refunds_total  bigint,
    change_given   bigint,
    cash_in        bigint,
    cash_out       bigint,
    expected_cash  bigint,
    counted_cash   bigint,
    expected_total bigint,
    counted_total  bigint,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, till_id) REFERENCES tills (tenant_id, id),
    CONSTRAINT shifts_tenant_z_number_key UNIQUE (tenant_id, z_number),
    CONSTRAINT shifts_closed_whole CHECK (
        (status = 'open' AND closed_at IS NULL AND closed_by IS NULL AND z_number IS NULL
         AND bills IS NULL AND sales_total IS NULL AND expected_cash IS NULL)
        OR
        (status = 'closed' AND closed_at IS NOT NULL AND closed_by IS NOT NULL AND z_number IS NOT NULL
         AND bills IS NOT NULL AND sales_total IS NOT NULL AND refunds_total IS NOT NULL
         AND change_given IS NOT NULL AND cash_in IS NOT NULL AND cash_out IS NOT NULL
         AND expected_cash IS NOT NULL AND counted_cash IS NOT NULL
         AND expected_total IS NOT NULL AND counted_total IS NOT NULL)
    )
);
CREATE UNIQUE INDEX shifts_one_open_per_till ON shifts (tenant_id, till_id) WHERE status = 'open';
CREATE INDEX shifts_tenant_opened ON shifts (tenant_id, opened_at DESC);

CREATE TABLE shift_cash (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    shift_id  uuid NOT NULL,
    seq       integer NOT NULL CHECK (seq > 0),
    kind      text NOT NULL CHECK (kind IN ('in', 'out')),
    amount    bigint NOT NULL CHECK (amount > 0),
    reason    text NOT NULL CHECK (length(btrim(reason)) BETWEEN 1 AND 200),
    actor_id  uuid NOT NULL REFERENCES users (id),
    at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, shift_id, seq),
    FOREIGN KEY (tenant_id, shift_id) REFERENCES shifts (tenant_id, id)
);

CREATE TABLE shift_counts (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    shift_id   uuid NOT NULL,
    method     text NOT NULL CHECK (method IN ('cash', 'card', 'other')),
    expected   bigint NOT NULL,
    -- A drawer never holds less than nothing; a card terminal's net can be
    -- negative (a card refund of a cash sale).
    counted    bigint NOT NULL CHECK (method <> 'cash' OR counted >= 0),
    difference bigint NOT NULL CHECK (difference = counted - expected),
    PRIMARY KEY (tenant_id, shift_id, method),
    FOREIGN KEY (tenant_id, shift_id) REFERENCES shifts (tenant_id, id)
);

-- Sales and refunds at a till carry its shift (older rows keep NULL).
ALTER TABLE payments ADD COLUMN shift_id uuid;
ALTER TABLE payments ADD CONSTRAINT payments_shift_fkey
    FOREIGN KEY (tenant_id, shift_id) REFERENCES shifts (tenant_id, id);
CREATE INDEX payments_tenant_shift ON payments (tenant_id, shift_id) WHERE shift_id IS NOT NULL;
ALTER TABLE credit_notes ADD COLUMN shift_id uuid;
ALTER TABLE credit_notes ADD CONSTRAINT credit_notes_shift_fkey
    FOREIGN KEY (tenant_id, shift_id) REFERENCES shifts (tenant_id, id);
CREATE INDEX credit_notes_tenant_shift ON credit_notes (tenant_id, shift_id) WHERE shift_id IS NOT NULL;

-- What is recorded on a shift is recorded while it is open. The shift row is
-- read FOR SHARE: a close in progress (FOR UPDATE) is waited for, and then
-- this row is refused.
CREATE FUNCTION shifts_require_open() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public, pg_catalog AS $$
DECLARE
    shift_status text;
BEGIN
    SELECT status INTO shift_status FROM shifts
     WHERE tenant_id = NEW.tenant_id AND id = NEW.shift_id FOR SHARE;
    IF shift_status IS DISTINCT FROM 'open' THEN
        RAISE EXCEPTION 'shift % is not open', NEW.shift_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'shifts_record_only_while_open';
    END IF;
    RETURN NEW;
END
$$;
REVOKE EXECUTE ON FUNCTION shifts_require_open() FROM PUBLIC;
CREATE TRIGGER payments_shift_open BEFORE INSERT ON payments
    FOR EACH ROW WHEN (NEW.shift_id IS NOT NULL) EXECUTE FUNCTION shifts_require_open();
CREATE TRIGGER credit_notes_shift_open BEFORE INSERT ON credit_notes
    FOR EACH ROW WHEN (NEW.shift_id IS NOT NULL) EXECUTE FUNCTION shifts_require_open();
CREATE TRIGGER shift_cash_shift_open BEFORE INSERT ON shift_cash
    FOR EACH ROW EXECUTE FUNCTION shifts_require_open();
CREATE TRIGGER shift_counts_shift_open BEFORE INSERT ON shift_counts
    FOR EACH ROW EXECUTE FUNCTION shifts_require_open();

-- Immutability. An open shift may only be closed (its till, cashier, opening
-- and float stay); a closed one never changes; nothing is ever deleted. Cash
-- movements and counts are append-only.
CREATE FUNCTION shifts_refuse_change() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public, pg_catalog AS $$
BEGIN
    IF TG_TABLE_NAME IN ('shift_cash', 'shift_counts') THEN
        RAISE EXCEPTION 'shift records are immutable' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF NEW.status <> 'open' THEN
            RAISE EXCEPTION 'shifts start open' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' OR OLD.status = 'closed' THEN
        RAISE EXCEPTION 'closed shifts and their Z reports are immutable'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.tenant_id <> OLD.tenant_id OR NEW.id <> OLD.id OR NEW.till_id <> OLD.till_id
       OR NEW.cashier_id <> OLD.cashier_id OR NEW.opened_at <> OLD.opened_at
       OR NEW.opening_float <> OLD.opening_float THEN
        RAISE EXCEPTION 'an open shift can only be closed' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
REVOKE EXECUTE ON FUNCTION shifts_refuse_change() FROM PUBLIC;
CREATE TRIGGER shifts_immutable BEFORE INSERT OR UPDATE OR DELETE ON shifts
    FOR EACH ROW EXECUTE FUNCTION shifts_refuse_change();
CREATE TRIGGER shift_cash_immutable BEFORE UPDATE OR DELETE ON shift_cash
    FOR EACH ROW EXECUTE FUNCTION shifts_refuse_change();
CREATE TRIGGER shift_counts_immutable BEFORE UPDATE OR DELETE ON shift_counts
    FOR EACH ROW EXECUTE FUNCTION shifts_refuse_change();

-- A close carries the number the Z counter has just reached (gapless, like bills).
CREATE FUNCTION shifts_check_close() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE
    counter bigint;
BEGIN
    SELECT last_value INTO counter
      FROM tenant_counters WHERE tenant_id = NEW.tenant_id AND name = 'z_report';
    IF counter IS NULL OR NEW.z_number <> counter THEN
        RAISE EXCEPTION 'shift % must take the next number of the Z counter', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'shifts_close_takes_next_z_number';
    END IF;
    RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION shifts_check_close() FROM PUBLIC;
CREATE TRIGGER shifts_check_close
    AFTER UPDATE OF status ON shifts
    FOR EACH ROW
    WHEN (OLD.status = 'open' AND NEW.status = 'closed')
    EXECUTE FUNCTION shifts_check_close();

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['shifts', 'shift_cash', 'shift_counts'] LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION billing_refuse_truncate()',
                       t || '_no_truncate', t);
    END LOOP;
    FOREACH t IN ARRAY ARRAY['tills', 'shifts', 'shift_cash', 'shift_counts'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY %I ON %I USING (tenant_id = NULLIF(current_setting(''app.tenant_id'', true), '''')::uuid) '
            'WITH CHECK (tenant_id = NULLIF(current_setting(''app.tenant_id'', true), '''')::uuid)',
            t || '_tenant_isolation', t);
    END LOOP;
END
$$;

GRANT SELECT, INSERT, UPDATE ON tills, shifts TO shopfloor_tenant;
GRANT SELECT, INSERT ON shift_cash, shift_counts TO shopfloor_tenant;
