-- Fewer round trips per request (issue #14).
--
-- 1. Every change of a business's row (suspension, settings, plan) is
-- announced on `shopfloor_tenants`, so each server instance forgets the
-- host → tenant lookups it remembered (app/src/tenancy/tenant_cache.rs). The
-- notification is delivered when the change commits, and not at all if it
-- rolls back.
CREATE FUNCTION tenants_announce_change() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    PERFORM pg_notify('shopfloor_tenants', OLD.id::text);
    RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION tenants_announce_change() FROM PUBLIC;
CREATE TRIGGER tenants_announce_change
    AFTER UPDATE OR DELETE ON tenants
    FOR EACH ROW EXECUTE FUNCTION tenants_announce_change();

-- 2. A sale's stock in one round trip: the conditional decrement of every
-- product of the sale and its ledger row, row locks taken in product-id order
-- (so two concurrent multi-line sales cannot deadlock). It stops at the first
-- product that is unknown, archived or short, returned with a NULL `on_hand`
-- for the caller to explain (and roll back). It runs as the caller: row-level
-- security applies to every row it reads or writes, and the ledger rows are
-- the tenant's by the policy's WITH CHECK.
CREATE FUNCTION sell_stock(
    wanted_products uuid[],
    wanted_quantities bigint[],
    movement_ids uuid[],
    ref_type text,
    ref_id text,
    actor uuid
)
    RETURNS TABLE (product_id uuid, on_hand bigint)
    LANGUAGE plpgsql SET search_path = public, pg_catalog AS $$
#variable_conflict use_column
DECLARE
    wanted record;
    left_over bigint;
BEGIN
    FOR wanted IN
        SELECT w.id, w.quantity, w.movement
          FROM unnest(wanted_products, wanted_quantities, movement_ids) AS w(id, quantity, movement)
         ORDER BY w.id
    LOOP
        UPDATE products p SET on_hand = p.on_hand - wanted.quantity, updated_at = now()
         WHERE p.id = wanted.id AND p.is_active AND p.on_hand >= wanted.quantity
        RETURNING p.on_hand INTO left_over;
        product_id := wanted.id;
        on_hand := left_over;
        RETURN NEXT;
        IF left_over IS NULL THEN
            RETURN;
        END IF;
        INSERT INTO stock_movements
            (tenant_id, id, product_id, kind, quantity, balance_after, reference_type, reference_id, actor_user_id)
        VALUES (current_setting('app.tenant_id')::uuid, wanted.movement, wanted.id, 'sale', -wanted.quantity,
                left_over, ref_type, ref_id, actor);
    END LOOP;
END
$$;
REVOKE EXECUTE ON FUNCTION sell_stock(uuid[], bigint[], uuid[], text, text, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sell_stock(uuid[], bigint[], uuid[], text, text, uuid) TO shopfloor_tenant;
