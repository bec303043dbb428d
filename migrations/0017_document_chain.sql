-- Tamper evidence: one hash chain per business over its numbered documents
-- (issue #12).
--
-- Every finalized bill, credit note and Z report becomes a link: the SHA-256
-- of the previous link's hash followed by the document's canonical content
-- (`chain_document_content`, a JSON text built from the stored rows). The link
-- is appended in the transaction that numbers the document, by a constraint
-- trigger deferred to its commit: every path that finalizes a document is
-- chained, none can forget, and the chain's head row is locked only for the
-- end of the commit. The head row serializes a business's links, so the chain
-- stays linear and gapless under concurrent sales.
--
-- `chain_verify()` recomputes every link from the stored documents: a document
-- edited behind the database's back (a superuser with triggers disabled), a
-- removed link or document, or a finalized document missing from the chain is
-- reported with the first broken link.

CREATE TABLE document_chain (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    seq         bigint NOT NULL CHECK (seq > 0),
    kind        text NOT NULL CHECK (kind IN ('bill', 'credit_note', 'z_report')),
    document_id uuid NOT NULL,
    prev_hash   bytea NOT NULL CHECK (length(prev_hash) = 32),
    hash        bytea NOT NULL CHECK (length(hash) = 32),
    linked_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, seq),
    CONSTRAINT document_chain_one_link_per_document UNIQUE (tenant_id, kind, document_id)
);

-- The last link of each business: what the next link follows.
CREATE TABLE document_chain_heads (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    seq       bigint NOT NULL CHECK (seq >= 0),
    hash      bytea NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (tenant_id)
);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['document_chain', 'document_chain_heads'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY %I ON %I USING (tenant_id = NULLIF(current_setting(''app.tenant_id'', true), '''')::uuid) '
            'WITH CHECK (tenant_id = NULLIF(current_setting(''app.tenant_id'', true), '''')::uuid)',
            t || '_tenant_isolation', t);
    END LOOP;
END
$$;
GRANT SELECT, INSERT ON document_chain TO shopfloor_tenant;
GRANT SELECT, INSERT, UPDATE ON document_chain_heads TO shopfloor_tenant;

-- A link never changes and is never removed; the head moves only by appending
-- (the append runs inside the chaining trigger, at trigger depth 2 or more).
CREATE FUNCTION document_chain_refuse_change() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    IF TG_TABLE_NAME = 'document_chain_heads' AND TG_OP = 'UPDATE' AND pg_trigger_depth() >= 2 THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the document chain only grows' USING ERRCODE = 'insufficient_privilege';
END
$$;
REVOKE EXECUTE ON FUNCTION document_chain_refuse_change() FROM PUBLIC;
CREATE TRIGGER document_chain_immutable BEFORE UPDATE OR DELETE ON document_chain
    FOR EACH ROW EXECUTE FUNCTION document_chain_refuse_change();
CREATE TRIGGER document_chain_heads_by_append BEFORE UPDATE OR DELETE ON document_chain_heads
    FOR EACH ROW EXECUTE FUNCTION document_chain_refuse_change();
CREATE TRIGGER document_chain_no_truncate BEFORE TRUNCATE ON document_chain
    FOR EACH STATEMENT EXECUTE FUNCTION billing_refuse_truncate();
CREATE TRIGGER document_chain_heads_no_truncate BEFORE TRUNCATE ON document_chain_heads
    FOR EACH STATEMENT EXECUTE FUNCTION billing_refuse_truncate();

-- An instant as the chain writes it: UTC, microseconds, whatever the session's
-- time zone or date style.
CREATE FUNCTION chain_instant(at timestamptz) RETURNS text
    LANGUAGE sql STABLE SET search_path = pg_catalog AS $$
    SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;

-- A document's canonical content: the JSON text of what it says, from the
-- stored rows (jsonb's text form is canonical: keys sorted, no spacing
-- choices). NULL when there is no such finalized document. Runs as the caller,
-- under its row-level security.
CREATE FUNCTION chain_document_content(p_kind text, p_tenant uuid, p_id uuid) RETURNS text
    LANGUAGE sql STABLE SET search_path = pg_catalog, public AS $$
    SELECT CASE p_kind
    WHEN 'bill' THEN (
        SELECT jsonb_build_object(
            'kind', 'bill', 'id', b.id, 'number', b.number,
            'finalized_at', chain_instant(b.finalized_at),
            'cashier_id', b.cashier_id, 'customer_id', b.customer_id,
            'currency', b.currency, 'tax_mode', b.tax_mode,
            'gross', b.gross, 'discount', b.discount, 'bill_discount', b.bill_discount,
            'net', b.net, 'tax', b.tax, 'total', b.total, 'paid', b.paid, 'change', b.change_given,
            'lines', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                          'line_no', l.line_no, 'product_id', l.product_id, 'sku', l.sku, 'name', l.name,
                          'unit_price', l.unit_price, 'tax_rate_bp', l.tax_rate_bp, 'quantity', l.quantity,
                          'line_discount', l.line_discount, 'bill_discount', l.bill_discount,
                          'net', l.net, 'tax', l.tax, 'total', l.total) ORDER BY l.line_no), '[]')
                        FROM bill_lines l WHERE l.tenant_id = b.tenant_id AND l.bill_id = b.id),
            'payments', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                             'seq', p.seq, 'method', p.method, 'amount', p.amount,
                             'tendered', p.tendered, 'change', p.change) ORDER BY p.seq), '[]')
                           FROM payments p WHERE p.tenant_id = b.tenant_id AND p.bill_id = b.id)
        )::text
        FROM bills b
        WHERE b.tenant_id = p_tenant AND b.id = p_id AND b.status = 'finalized')
    WHEN 'credit_note' THEN (
        SELECT jsonb_build_object(
            'kind', 'credit_note', 'id', c.id, 'number', c.number, 'bill_id', c.bill_id,
            'created_at', chain_instant(c.created_at), 'created_by', c.created_by,
            'reason', c.reason, 'refund_method', c.refund_method, 'restocked', c.restocked,
            'total', c.total, 'tax', c.tax,
            'lines', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                          'line_no', l.line_no, 'quantity', l.quantity, 'total', l.total, 'tax', l.tax)
                          ORDER BY l.line_no), '[]')
                        FROM credit_note_lines l WHERE l.tenant_id = c.tenant_id AND l.credit_note_id = c.id)
        )::text
        FROM credit_notes c
        WHERE c.tenant_id = p_tenant AND c.id = p_id)
    WHEN 'z_report' THEN (
        SELECT jsonb_build_object(
            'kind', 'z_report', 'id', s.id, 'z_number', s.z_number, 'till_id', s.till_id,
            'cashier_id', s.cashier_id, 'opened_at', chain_instant(s.opened_at),
            'opening_float', s.opening_float,
            'closed_at', chain_instant(s.closed_at), 'closed_by', s.closed_by,
            'bills', s.bills, 'sales_total', s.sales_total, 'refunds_total', s.refunds_total,
            'change_given', s.change_given, 'cash_in', s.cash_in, 'cash_out', s.cash_out,
            'expected_cash', s.expected_cash, 'counted_cash', s.counted_cash,
            'expected_total', s.expected_total, 'counted_total', s.counted_total,
            'counts', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                           'method', c.method, 'expected', c.expected, 'counted', c.counted,
                           'difference', c.difference) ORDER BY c.method), '[]')
                         FROM shift_counts c WHERE c.tenant_id = s.tenant_id AND c.shift_id = s.id),
            'cash', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                         'seq', m.seq, 'kind', m.kind, 'amount', m.amount, 'reason', m.reason,
                         'actor_id', m.actor_id, 'at', chain_instant(m.at)) ORDER BY m.seq), '[]')
                       FROM shift_cash m WHERE m.tenant_id = s.tenant_id AND m.shift_id = s.id)
        )::text
        FROM shifts s
        WHERE s.tenant_id = p_tenant AND s.id = p_id AND s.status = 'closed')
    END
$$;

-- The genesis: what a business's first link follows.
CREATE FUNCTION chain_genesis() RETURNS bytea
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog AS $$
    SELECT decode(repeat('00', 32), 'hex')
$$;

-- Appends a document to its business's chain. The head row is locked until
-- the end of the transaction: a business's links are written one at a time.
CREATE FUNCTION chain_append(p_kind text, p_tenant uuid, p_id uuid) RETURNS bigint
    LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE
    content text;
    head_seq bigint;
    head_hash bytea;
    next_hash bytea;
BEGIN
    content := chain_document_content(p_kind, p_tenant, p_id);
    IF content IS NULL THEN
        RAISE EXCEPTION 'no finalized % % to chain', p_kind, p_id USING ERRCODE = 'foreign_key_violation';
    END IF;
    INSERT INTO document_chain_heads (tenant_id, seq, hash) VALUES (p_tenant, 0, chain_genesis())
        ON CONFLICT (tenant_id) DO NOTHING;
    SELECT seq, hash INTO head_seq, head_hash FROM document_chain_heads
     WHERE tenant_id = p_tenant FOR UPDATE;
    next_hash := sha256(head_hash || convert_to(content, 'UTF8'));
    INSERT INTO document_chain (tenant_id, seq, kind, document_id, prev_hash, hash)
        VALUES (p_tenant, head_seq + 1, p_kind, p_id, head_hash, next_hash);
    UPDATE document_chain_heads SET seq = head_seq + 1, hash = next_hash WHERE tenant_id = p_tenant;
    RETURN head_seq + 1;
END
$$;

-- The chaining triggers: at commit of the transaction that numbered the document.
CREATE FUNCTION chain_link_document() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
    PERFORM chain_append(TG_ARGV[0], NEW.tenant_id, NEW.id);
    RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION chain_link_document() FROM PUBLIC;
CREATE CONSTRAINT TRIGGER bills_chain AFTER UPDATE OF status ON bills
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (OLD.status = 'draft' AND NEW.status = 'finalized')
    EXECUTE FUNCTION chain_link_document('bill');
CREATE CONSTRAINT TRIGGER credit_notes_chain AFTER INSERT ON credit_notes
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION chain_link_document('credit_note');
CREATE CONSTRAINT TRIGGER shifts_chain AFTER UPDATE OF status ON shifts
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (OLD.status = 'open' AND NEW.status = 'closed')
    EXECUTE FUNCTION chain_link_document('z_report');

-- Recomputes the current business's chain from its documents. One row: the
-- links checked, and the first broken one if any (its sequence number, kind,
-- document and what is wrong), else NULLs.
CREATE FUNCTION chain_verify()
    RETURNS TABLE (links bigint, broken_seq bigint, broken_kind text, broken_document uuid, problem text)
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public AS $$
DECLARE
    tenant uuid := NULLIF(current_setting('app.tenant_id', true), '')::uuid;
    link record;
    expected_seq bigint := 1;
    expected_prev bytea := chain_genesis();
    content text;
    head record;
    stray record;
BEGIN
    IF tenant IS NULL THEN
        RAISE EXCEPTION 'chain_verify needs a tenant' USING ERRCODE = 'insufficient_privilege';
    END IF;
    FOR link IN SELECT * FROM document_chain WHERE tenant_id = tenant ORDER BY seq LOOP
        IF link.seq <> expected_seq THEN
            RETURN QUERY SELECT expected_seq - 1, expected_seq, NULL::text, NULL::uuid, 'link missing';
            RETURN;
        END IF;
        IF link.prev_hash <> expected_prev THEN
            RETURN QUERY SELECT expected_seq - 1, link.seq, link.kind, link.document_id,
                                'does not follow the previous link';
            RETURN;
        END IF;
        content := chain_document_content(link.kind, tenant, link.document_id);
        IF content IS NULL THEN
            RETURN QUERY SELECT expected_seq - 1, link.seq, link.kind, link.document_id, 'document missing';
            RETURN;
        END IF;
        IF sha256(link.prev_hash || convert_to(content, 'UTF8')) <> link.hash THEN
            RETURN QUERY SELECT expected_seq - 1, link.seq, link.kind, link.document_id,
                                'document changed after it was chained';
            RETURN;
        END IF;
        expected_prev := link.hash;
        expected_seq := expected_seq + 1;
    END LOOP;
    SELECT h.seq, h.hash INTO head FROM document_chain_heads h WHERE h.tenant_id = tenant;
    IF coalesce(head.seq, 0) <> expected_seq - 1 OR coalesce(head.hash, chain_genesis()) <> expected_prev THEN
        RETURN QUERY SELECT expected_seq - 1, expected_seq, NULL::text, NULL::uuid,
                            'links removed from the end of the chain';
        RETURN;
    END IF;
    -- Every numbered document is a link.
    SELECT d.kind, d.id INTO stray FROM (
        SELECT 'bill' AS kind, b.id, b.finalized_at AS at FROM bills b
         WHERE b.tenant_id = tenant AND b.status = 'finalized'
        UNION ALL
        SELECT 'credit_note', c.id, c.created_at FROM credit_notes c WHERE c.tenant_id = tenant
        UNION ALL
        SELECT 'z_report', s.id, s.closed_at FROM shifts s WHERE s.tenant_id = tenant AND s.status = 'closed'
    ) d
    WHERE NOT EXISTS (SELECT 1 FROM document_chain l
                       WHERE l.tenant_id = tenant AND l.kind = d.kind AND l.document_id = d.id)
    ORDER BY d.at LIMIT 1;
    IF FOUND THEN
        RETURN QUERY SELECT expected_seq - 1, NULL::bigint, stray.kind, stray.id, 'document not in the chain';
        RETURN;
    END IF;
    RETURN QUERY SELECT expected_seq - 1, NULL::bigint, NULL::text, NULL::uuid, NULL::text;
END
$$;

-- Documents finalized before this migration join their business's chain in
-- the order they were numbered (appended here directly, not from a trigger, so
-- the head's guard steps aside for this transaction).
ALTER TABLE document_chain_heads DISABLE TRIGGER document_chain_heads_by_append;
DO $$
DECLARE
    doc record;
BEGIN
    FOR doc IN
        SELECT kind, tenant_id, id FROM (
            SELECT 'bill' AS kind, tenant_id, id, finalized_at AS at, number FROM bills WHERE status = 'finalized'
            UNION ALL
            SELECT 'credit_note', tenant_id, id, created_at, number FROM credit_notes
            UNION ALL
            SELECT 'z_report', tenant_id, id, closed_at, z_number FROM shifts WHERE status = 'closed'
        ) d ORDER BY tenant_id, at, kind, number
    LOOP
        PERFORM set_config('app.tenant_id', doc.tenant_id::text, true);
        PERFORM chain_append(doc.kind, doc.tenant_id, doc.id);
    END LOOP;
    PERFORM set_config('app.tenant_id', '', true);
END
$$;
ALTER TABLE document_chain_heads ENABLE TRIGGER document_chain_heads_by_append;
