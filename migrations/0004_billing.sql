-- Billing: customers, bills with their lines and payments, credit notes, and
-- per-tenant gapless numbers.
--
-- Invariants guarded here:
-- * a finalized bill, its lines and payments, and every credit note can never be
--   updated or deleted: a trigger refuses it to any role;
-- * numbers are gapless per tenant: taken from a counter row in the same
--   transaction as the finalization (a rollback gives the number back);
-- * one bill per idempotency key per tenant (a retried checkout finds the first);
-- * money is integer minor units; a credited quantity never exceeds what was sold.

CREATE TABLE customers (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    id         uuid NOT NULL,
    name       text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 120),
    phone      text NOT NULL DEFAULT '' CHECK (length(phone) <= 40),
    email      text NOT NULL DEFAULT '' CHECK (length(email) <= 254),
    tax_id     text NOT NULL DEFAULT '' CHECK (length(tax_id) <= 40),
    notes      text NOT NULL DEFAULT '' CHECK (length(notes) <= 2000),
    is_active  boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX customers_tenant_name ON customers (tenant_id, lower(name));

CREATE TABLE tenant_counters (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    name       text NOT NULL CHECK (name IN ('bill', 'credit_note')),
    last_value bigint NOT NULL CHECK (last_value >= 0),
    PRIMARY KEY (tenant_id, name)
);

CREATE TABLE bills (
    tenant_id       uuid NOT NULL REFERENCES tenants (id),
    id              uuid NOT NULL,
    status          text NOT NULL CHECK (status IN ('draft', 'finalized')),
    number          bigint,
    idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 8 AND 100),
    customer_id     uuid,
    cashier_id      uuid NOT NULL REFERENCES users (id),
    currency        text NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
    tax_mode        text NOT NULL CHECK (tax_mode IN ('inclusive', 'exclusive')),
    gross           bigint NOT NULL CHECK (gross >= 0),
    discount        bigint NOT NULL CHECK (discount >= 0),
    bill_discount   bigint NOT NULL DEFAULT 0 CHECK (bill_discount >= 0),
    net             bigint NOT NULL CHECK (net >= 0),
    tax             bigint NOT NULL CHECK (tax >= 0),
    total           bigint NOT NULL CHECK (total >= 0),
    paid            bigint NOT NULL DEFAULT 0 CHECK (paid >= 0),
    change_given    bigint NOT NULL DEFAULT 0 CHECK (change_given >= 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    finalized_at    timestamptz,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT bills_tenant_idempotency_key UNIQUE (tenant_id, idempotency_key),
    CONSTRAINT bills_tenant_number_key UNIQUE (tenant_id, number),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id),
    CONSTRAINT bills_finalized_have_numbers CHECK (
        (status = 'draft' AND number IS NULL AND finalized_at IS NULL) OR
        (status = 'finalized' AND number IS NOT NULL AND finalized_at IS NOT NULL AND paid >= total)
    )
);
CREATE INDEX bills_tenant_finalized ON bills (tenant_id, finalized_at DESC) WHERE status = 'finalized';

CREATE TABLE bill_lines (
    tenant_id     uuid NOT NULL REFERENCES tenants (id),
    bill_id       uuid NOT NULL,
    line_no       integer NOT NULL CHECK (line_no > 0),
    product_id    uuid NOT NULL,
    -- A snapshot of the product at sale time.
    sku           text NOT NULL,
    name          text NOT NULL,
    unit_price    bigint NOT NULL CHECK (unit_price >= 0),
    tax_rate_bp   integer NOT NULL CHECK (tax_rate_bp BETWEEN 0 AND 10000),
    quantity      bigint NOT NULL CHECK (quantity > 0),
    line_discount bigint NOT NULL CHECK (line_discount >= 0),
    bill_discount bigint NOT NULL CHECK (bill_discount >= 0),
    net           bigint NOT NULL CHECK (net >= 0),
    tax           bigint NOT NULL CHECK (tax >= 0),
    total         bigint NOT NULL CHECK (total >= 0),
    PRIMARY KEY (tenant_id, bill_id, line_no),
    FOREIGN KEY (tenant_id, bill_id) REFERENCES bills (tenant_id, id),
    FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, id)
);

CREATE TABLE payments (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    bill_id    uuid NOT NULL,
    seq        integer NOT NULL CHECK (seq > 0),
    method     text NOT NULL CHECK (method IN ('cash', 'card', 'other')),
    amount     bigint NOT NULL CHECK (amount > 0),
    tendered   bigint NOT NULL CHECK (tendered >= amount),
    change     bigint NOT NULL CHECK (change = tendered - amount),
    PRIMARY KEY (tenant_id, bill_id, seq),
    FOREIGN KEY (tenant_id, bill_id) REFERENCES bills (tenant_id, id),
    CONSTRAINT payments_change_only_on_cash CHECK (method = 'cash' OR change = 0)
);

CREATE TABLE credit_notes (
    tenant_id     uuid NOT NULL REFERENCES tenants (id),
    id            uuid NOT NULL,
    number        bigint NOT NULL,
    bill_id       uuid NOT NULL,
    reason        text NOT NULL CHECK (length(btrim(reason)) BETWEEN 1 AND 500),
    refund_method text NOT NULL CHECK (refund_method IN ('cash', 'card', 'other')),
    restocked     boolean NOT NULL,
    total         bigint NOT NULL CHECK (total >= 0),
    tax           bigint NOT NULL CHECK (tax >= 0),
    created_by    uuid NOT NULL REFERENCES users (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT credit_notes_tenant_number_key UNIQUE (tenant_id, number),
    FOREIGN KEY (tenant_id, bill_id) REFERENCES bills (tenant_id, id)
);

CREATE TABLE credit_note_lines (
    tenant_id      uuid NOT NULL REFERENCES tenants (id),
    credit_note_id uuid NOT NULL,
    bill_id        uuid NOT NULL,
    line_no        integer NOT NULL,
    quantity       bigint NOT NULL CHECK (quantity > 0),
    total          bigint NOT NULL CHECK (total >= 0),
    tax            bigint NOT NULL CHECK (tax >= 0),
    PRIMARY KEY (tenant_id, credit_note_id, line_no),
    FOREIGN KEY (tenant_id, credit_note_id) REFERENCES credit_notes (tenant_id, id),
    FOREIGN KEY (tenant_id, bill_id, line_no) REFERENCES bill_lines (tenant_id, bill_id, line_no)
);
CREATE INDEX credit_note_lines_bill_line ON credit_note_lines (tenant_id, bill_id, line_no);

-- A credited quantity can never exceed what the line sold (checked at commit,
-- over every credit note of the line).
CREATE FUNCTION credit_note_lines_check_quantity() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public, pg_catalog AS $$
DECLARE
    sold bigint;
    credited bigint;
BEGIN
    SELECT quantity INTO sold FROM bill_lines
     WHERE tenant_id = NEW.tenant_id AND bill_id = NEW.bill_id AND line_no = NEW.line_no;
    SELECT coalesce(sum(quantity), 0) INTO credited FROM credit_note_lines
     WHERE tenant_id = NEW.tenant_id AND bill_id = NEW.bill_id AND line_no = NEW.line_no;
    IF credited > sold THEN
        RAISE EXCEPTION 'credited % of line % but only % were sold', credited, NEW.line_no, sold
            USING ERRCODE = 'check_violation', CONSTRAINT = 'credit_note_lines_within_sold';
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER credit_note_lines_within_sold
    AFTER INSERT ON credit_note_lines
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION credit_note_lines_check_quantity();

-- Immutability. Drafts may change; a finalized bill, its lines and payments, and
-- credit notes may not, whatever query tries.
CREATE FUNCTION billing_refuse_change() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public, pg_catalog AS $$
DECLARE
    bill_status text;
BEGIN
    IF TG_TABLE_NAME IN ('credit_notes', 'credit_note_lines') THEN
        RAISE EXCEPTION 'credit notes are immutable' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_TABLE_NAME = 'bills' THEN
        IF TG_OP = 'INSERT' THEN
            -- A bill is born a draft; it becomes final only by finalizing.
            IF NEW.status <> 'draft' THEN
                RAISE EXCEPTION 'bills start as drafts' USING ERRCODE = 'check_violation';
            END IF;
            RETURN NEW;
        END IF;
        bill_status := OLD.status;
    ELSIF TG_OP = 'INSERT' THEN
        SELECT status INTO bill_status FROM bills WHERE tenant_id = NEW.tenant_id AND id = NEW.bill_id;
    ELSE
        SELECT status INTO bill_status FROM bills WHERE tenant_id = OLD.tenant_id AND id = OLD.bill_id;
    END IF;
    IF bill_status = 'finalized' THEN
        RAISE EXCEPTION 'finalized bills are immutable; issue a credit note' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$;
REVOKE EXECUTE ON FUNCTION billing_refuse_change() FROM PUBLIC;
CREATE TRIGGER bills_immutable BEFORE INSERT OR UPDATE OR DELETE ON bills
    FOR EACH ROW EXECUTE FUNCTION billing_refuse_change();
CREATE TRIGGER bill_lines_immutable BEFORE INSERT OR UPDATE OR DELETE ON bill_lines
    FOR EACH ROW EXECUTE FUNCTION billing_refuse_change();
CREATE TRIGGER payments_immutable BEFORE INSERT OR UPDATE OR DELETE ON payments
    FOR EACH ROW EXECUTE FUNCTION billing_refuse_change();
CREATE TRIGGER credit_notes_immutable BEFORE UPDATE OR DELETE ON credit_notes
    FOR EACH ROW EXECUTE FUNCTION billing_refuse_change();
CREATE TRIGGER credit_note_lines_immutable BEFORE UPDATE OR DELETE ON credit_note_lines
    FOR EACH ROW EXECUTE FUNCTION billing_refuse_change();
CREATE FUNCTION billing_refuse_truncate() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    RAISE EXCEPTION 'billing tables cannot be truncated' USING ERRCODE = 'insufficient_privilege';
END
$$;
REVOKE EXECUTE ON FUNCTION billing_refuse_truncate() FROM PUBLIC;
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['bills', 'bill_lines', 'payments', 'credit_notes', 'credit_note_lines'] LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION billing_refuse_truncate()',
                       t || '_no_truncate', t);
    END LOOP;
    FOREACH t IN ARRAY ARRAY['customers', 'tenant_counters', 'bills', 'bill_lines', 'payments', 'credit_notes', 'credit_note_lines'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY %I ON %I USING (tenant_id = NULLIF(current_setting(''app.tenant_id'', true), '''')::uuid) '
            'WITH CHECK (tenant_id = NULLIF(current_setting(''app.tenant_id'', true), '''')::uuid)',
            t || '_tenant_isolation', t);
    END LOOP;
END
$$;

GRANT SELECT, INSERT, UPDATE ON customers, tenant_counters TO shopfloor_tenant;
-- Drafts may be changed and discarded; the triggers refuse it once finalized.
GRANT SELECT, INSERT, UPDATE, DELETE ON bills, bill_lines, payments TO shopfloor_tenant;
GRANT SELECT, INSERT ON credit_notes, credit_note_lines TO shopfloor_tenant;
