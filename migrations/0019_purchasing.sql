-- Buying (issue 13, part B): purchase orders to suppliers, receiving (in
-- parts) at a moving-average cost, and supplier payments; all in the books.
--
-- * `purchase_orders`: numbered per business (`PO-000001`, the
--   `purchase_order` counter); draft → sent → partly received → received, or
--   cancelled (a draft or a sent order nothing was received on).
-- * `purchase_order_lines`: what was ordered, at what unit cost, and how much
--   has been received (never more than ordered).
-- * `purchase_receipts` / `purchase_receipt_lines`: each delivery, never
--   changed afterwards. A received line adds stock through the ledger (a
--   `receipt` movement carrying its unit cost) and moves the product's cost
--   to the moving average: round((on hand × cost + quantity × unit cost) /
--   (on hand + quantity)), half up. The receipt is the supplier's bill:
--   Dr inventory at the new average cost, Cr accounts payable at the price
--   paid, the rounding to inventory revaluation (the cost change revalues the
--   stock already on hand first, so the inventory account stays Σ on hand ×
--   cost exactly).
-- * `supplier_payments`: Dr accounts payable / Cr bank or cash.

ALTER TABLE tenant_counters DROP CONSTRAINT tenant_counters_name_check;
ALTER TABLE tenant_counters ADD CONSTRAINT tenant_counters_name_check
    CHECK (name IN ('bill', 'credit_note', 'z_report', 'purchase_order'));

CREATE TABLE purchase_orders (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    id          uuid NOT NULL,
    number      bigint NOT NULL CHECK (number > 0),
    supplier_id uuid NOT NULL,
    status      text NOT NULL DEFAULT 'draft'
                CHECK (status IN ('draft', 'sent', 'partly_received', 'received', 'cancelled')),
    notes       text NOT NULL DEFAULT '' CHECK (length(notes) <= 2000),
    created_by  uuid NOT NULL REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz,
    closed_at   timestamptz,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT purchase_orders_tenant_number_key UNIQUE (tenant_id, number),
    FOREIGN KEY (tenant_id, supplier_id) REFERENCES suppliers (tenant_id, id)
);
CREATE INDEX purchase_orders_tenant_created ON purchase_orders (tenant_id, created_at DESC);

CREATE TABLE purchase_order_lines (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    order_id   uuid NOT NULL,
    line_no    integer NOT NULL CHECK (line_no > 0),
    product_id uuid NOT NULL,
    quantity   bigint NOT NULL CHECK (quantity BETWEEN 1 AND 1000000),
    unit_cost  bigint NOT NULL CHECK (unit_cost BETWEEN 0 AND 100000000000),
    received   bigint NOT NULL DEFAULT 0 CHECK (received >= 0),
    PRIMARY KEY (tenant_id, order_id, line_no),
    FOREIGN KEY (tenant_id, order_id) REFERENCES purchase_orders (tenant_id, id),
    FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, id),
    CONSTRAINT purchase_order_lines_not_over_received CHECK (received <= quantity)
);

CREATE TABLE purchase_receipts (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    id          uuid NOT NULL,
    order_id    uuid NOT NULL,
    received_by uuid NOT NULL REFERENCES users (id),
    received_at timestamptz NOT NULL DEFAULT now(),
    total       bigint NOT NULL CHECK (total >= 0),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, order_id) REFERENCES purchase_orders (tenant_id, id)
);
CREATE INDEX purchase_receipts_order ON purchase_receipts (tenant_id, order_id);

CREATE TABLE purchase_receipt_lines (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    receipt_id uuid NOT NULL,
    order_id   uuid NOT NULL,
    line_no    integer NOT NULL,
    quantity   bigint NOT NULL CHECK (quantity BETWEEN 1 AND 1000000),
    unit_cost  bigint NOT NULL CHECK (unit_cost BETWEEN 0 AND 100000000000),
    PRIMARY KEY (tenant_id, receipt_id, line_no),
    FOREIGN KEY (tenant_id, receipt_id) REFERENCES purchase_receipts (tenant_id, id),
    FOREIGN KEY (tenant_id, order_id, line_no) REFERENCES purchase_order_lines (tenant_id, order_id, line_no)
);

CREATE TABLE supplier_payments (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    id          uuid NOT NULL,
    supplier_id uuid NOT NULL,
    amount      bigint NOT NULL CHECK (amount BETWEEN 1 AND 100000000000),
    method      text NOT NULL CHECK (method IN ('bank', 'cash')),
    paid_on     date NOT NULL,
    reference   text NOT NULL DEFAULT '' CHECK (length(reference) <= 200),
    created_by  uuid NOT NULL REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, supplier_id) REFERENCES suppliers (tenant_id, id)
);
CREATE INDEX supplier_payments_supplier ON supplier_payments (tenant_id, supplier_id);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['purchase_orders', 'purchase_order_lines', 'purchase_receipts',
                             'purchase_receipt_lines', 'supplier_payments'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY %I ON %I USING (tenant_id = NULLIF(current_setting(''app.tenant_id'', true), '''')::uuid) '
            'WITH CHECK (tenant_id = NULLIF(current_setting(''app.tenant_id'', true), '''')::uuid)',
            t || '_tenant_isolation', t);
    END LOOP;
END
$$;
GRANT SELECT, INSERT, UPDATE ON purchase_orders, purchase_order_lines TO shopfloor_tenant;
GRANT DELETE ON purchase_order_lines TO shopfloor_tenant;
GRANT SELECT, INSERT ON purchase_receipts, purchase_receipt_lines, supplier_payments TO shopfloor_tenant;

-- Receipts and payments never change; an order's lines change only while it
-- is a draft (then only how much was received moves, by receiving).
CREATE TRIGGER purchase_receipts_immutable BEFORE UPDATE OR DELETE ON purchase_receipts
    FOR EACH ROW EXECUTE FUNCTION journal_refuse_change();
CREATE TRIGGER purchase_receipt_lines_immutable BEFORE UPDATE OR DELETE ON purchase_receipt_lines
    FOR EACH ROW EXECUTE FUNCTION journal_refuse_change();
CREATE TRIGGER supplier_payments_immutable BEFORE UPDATE OR DELETE ON supplier_payments
    FOR EACH ROW EXECUTE FUNCTION journal_refuse_change();
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['purchase_orders', 'purchase_order_lines', 'purchase_receipts',
                             'purchase_receipt_lines', 'supplier_payments'] LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT '
                       'EXECUTE FUNCTION billing_refuse_truncate()', t || '_no_truncate', t);
    END LOOP;
END
$$;

CREATE FUNCTION purchase_order_lines_while_draft() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE
    order_status text;
    row_order uuid := CASE TG_OP WHEN 'DELETE' THEN OLD.order_id ELSE NEW.order_id END;
    row_tenant uuid := CASE TG_OP WHEN 'DELETE' THEN OLD.tenant_id ELSE NEW.tenant_id END;
BEGIN
    SELECT status INTO order_status FROM purchase_orders WHERE tenant_id = row_tenant AND id = row_order;
    IF TG_OP = 'UPDATE' AND order_status IN ('sent', 'partly_received')
       AND NEW.product_id = OLD.product_id AND NEW.quantity = OLD.quantity
       AND NEW.unit_cost = OLD.unit_cost AND NEW.received > OLD.received THEN
        RETURN NEW; -- receiving
    END IF;
    IF order_status IS DISTINCT FROM 'draft' THEN
        RAISE EXCEPTION 'purchase order % is % : its lines no longer change', row_order, order_status
            USING ERRCODE = 'check_violation', CONSTRAINT = 'purchase_order_lines_while_draft';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER purchase_order_lines_while_draft BEFORE INSERT OR UPDATE OR DELETE ON purchase_order_lines
    FOR EACH ROW EXECUTE FUNCTION purchase_order_lines_while_draft();

-- Receiving: a stock movement of its own, carrying the unit cost paid.
ALTER TABLE stock_movements ADD COLUMN unit_cost bigint CHECK (unit_cost BETWEEN 0 AND 100000000000);
ALTER TABLE stock_movements DROP CONSTRAINT stock_movements_kind_check;
ALTER TABLE stock_movements ADD CONSTRAINT stock_movements_kind_check
    CHECK (kind IN ('initial', 'restock', 'sale', 'return', 'adjustment', 'count', 'receipt'));
ALTER TABLE stock_movements DROP CONSTRAINT stock_movements_sign;
ALTER TABLE stock_movements ADD CONSTRAINT stock_movements_sign CHECK (
    (kind = 'initial' AND quantity >= 0) OR
    (kind = 'restock' AND quantity > 0) OR
    (kind = 'sale' AND quantity < 0) OR
    (kind = 'return' AND quantity > 0) OR
    (kind = 'adjustment' AND quantity <> 0) OR
    (kind = 'count') OR
    (kind = 'receipt' AND quantity > 0 AND unit_cost IS NOT NULL)
);
ALTER TABLE stock_movements DROP CONSTRAINT stock_movements_reference_type_check;
ALTER TABLE stock_movements ADD CONSTRAINT stock_movements_reference_type_check
    CHECK (reference_type IN ('bill', 'credit_note', 'restock', 'count', 'import', 'purchase'));

ALTER TABLE journal_entries DROP CONSTRAINT journal_entries_source_check;
ALTER TABLE journal_entries ADD CONSTRAINT journal_entries_source_check
    CHECK (source IN ('sale', 'credit_note', 'shift_cash', 'shift_close', 'stock', 'cost_change', 'opening',
                      'manual', 'reversal', 'purchase_receipt', 'supplier_payment'));

-- The moving average after receiving `quantity` at `unit_cost` on top of
-- `on_hand` at `cost`, rounded half up (what receiving writes).
CREATE FUNCTION moving_average_cost(on_hand bigint, cost bigint, quantity bigint, unit_cost bigint)
    RETURNS bigint LANGUAGE sql IMMUTABLE SET search_path = pg_catalog AS $$
    SELECT CASE WHEN greatest(on_hand, 0) + quantity <= 0 THEN cost
           ELSE floor((greatest(on_hand, 0)::numeric * cost + quantity::numeric * unit_cost)
                      / (greatest(on_hand, 0) + quantity) + 0.5)::bigint END
$$;

-- A receipt movement: stock in at the product's (already averaged) cost, owed
-- to the supplier at the price paid; the difference is rounding.
CREATE OR REPLACE FUNCTION books_post_stock_movement() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE
    value bigint;
    against text := CASE WHEN NEW.kind IN ('adjustment', 'count') THEN 'shrinkage' ELSE 'opening' END;
    owed bigint;
BEGIN
    SELECT NEW.quantity * cost_price INTO value
      FROM products WHERE tenant_id = NEW.tenant_id AND id = NEW.product_id;
    IF NEW.kind = 'receipt' THEN
        owed := NEW.quantity * NEW.unit_cost;
        PERFORM books_post(NEW.tenant_id, books_day(NEW.tenant_id, NEW.created_at), 'purchase_receipt',
            NEW.reference_id, 'Received' || coalesce(': ' || NEW.reason, ''),
            ARRAY['inventory', 'payable', 'revaluation'],
            ARRAY[value, 0, owed - value]::bigint[], ARRAY[0, owed, 0]::bigint[]);
        RETURN NULL;
    END IF;
    PERFORM books_post(NEW.tenant_id, books_day(NEW.tenant_id, NEW.created_at), 'stock', NEW.id::text,
        initcap(NEW.kind) || coalesce(': ' || NEW.reason, ''),
        ARRAY['inventory', against], ARRAY[value, 0]::bigint[], ARRAY[0, value]::bigint[]);
    RETURN NULL;
END
$$;

CREATE FUNCTION books_post_supplier_payment() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
    PERFORM books_post(NEW.tenant_id, NEW.paid_on, 'supplier_payment', NEW.id::text,
        'Paid ' || (SELECT name FROM suppliers WHERE tenant_id = NEW.tenant_id AND id = NEW.supplier_id)
            || CASE WHEN NEW.reference <> '' THEN ': ' || NEW.reference ELSE '' END,
        ARRAY['payable', NEW.method], ARRAY[NEW.amount, 0]::bigint[], ARRAY[0, NEW.amount]::bigint[]);
    RETURN NULL;
END
$$;
CREATE TRIGGER supplier_payments_books AFTER INSERT ON supplier_payments
    FOR EACH ROW EXECUTE FUNCTION books_post_supplier_payment();
