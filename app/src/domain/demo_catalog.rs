//! A realistic demo catalog, built deterministically through the same domain
//! functions the app uses (so it also exercises them).
use uuid::Uuid;

use super::inventory::{
    catalog::{self, ProductInput},
    lookups,
    stock::{self, Reference},
    InventoryError,
};
use crate::tenancy::TenantCtx;

/// One business's shape: its SKU prefix, categories with their items, suppliers.
pub struct CatalogPlan {
    pub sku_prefix: &'static str,
    pub categories: &'static [(&'static str, &'static [&'static str])],
    pub suppliers: &'static [(&'static str, &'static str)],
    pub variants: &'static [&'static str],
}

pub const CORNER_SHOP: CatalogPlan = CatalogPlan {
    sku_prefix: "AC",
    categories: &[
        (
            "Beverages",
            &[
                "Cola",
                "Lemonade",
                "Sparkling water",
                "Orange juice",
                "Iced tea",
                "Energy drink",
                "Ginger beer",
            ],
        ),
        (
            "Snacks",
            &[
                "Salted crisps",
                "Chocolate bar",
                "Peanuts",
                "Pretzels",
                "Popcorn",
                "Fruit gums",
                "Oat bar",
            ],
        ),
        (
            "Dairy",
            &[
                "Whole milk",
                "Butter",
                "Cheddar",
                "Greek yoghurt",
                "Cream",
                "Eggs (6)",
            ],
        ),
        (
            "Bakery",
            &["Sourdough loaf", "Croissant", "Bagels", "Rye bread", "Muffin"],
        ),
        (
            "Household",
            &[
                "Dish soap",
                "Bin bags",
                "Kitchen roll",
                "Light bulb",
                "Batteries AA",
                "Matches",
            ],
        ),
        (
            "Personal care",
            &["Toothpaste", "Shampoo", "Hand soap", "Plasters", "Tissues"],
        ),
        (
            "Stationery",
            &[
                "Ballpoint pen",
                "Notebook A5",
                "Envelopes",
                "Sticky notes",
                "Tape",
            ],
        ),
    ],
    suppliers: &[
        ("Northwind Wholesale", "orders@northwind.test"),
        ("Fresh Dairy Co", "+44 20 7946 0000"),
        ("Brightline Supplies", "sales@brightline.test"),
    ],
    variants: &["small", "regular", "large", "multipack", "value", "organic"],
};

pub const MARKET: CatalogPlan = CatalogPlan {
    sku_prefix: "GX",
    categories: &[
        (
            "Produce",
            &[
                "Apples", "Bananas", "Carrots", "Tomatoes", "Potatoes", "Onions", "Lettuce", "Lemons",
            ],
        ),
        (
            "Pantry",
            &[
                "Basmati rice",
                "Penne pasta",
                "Olive oil",
                "Tomato passata",
                "Chickpeas",
                "Flour",
                "Sugar",
            ],
        ),
        (
            "Frozen",
            &[
                "Peas",
                "Fish fingers",
                "Vanilla ice cream",
                "Mixed berries",
                "Pizza margherita",
            ],
        ),
        (
            "Meat and fish",
            &["Chicken breast", "Beef mince", "Salmon fillet", "Pork sausages"],
        ),
        (
            "Cleaning",
            &["Laundry liquid", "Bleach", "Sponges", "Glass cleaner"],
        ),
    ],
    suppliers: &[
        ("Globex Farms", "farms@globex.test"),
        ("Harbour Foods", "+1 555 0100"),
    ],
    variants: &["250 g", "500 g", "1 kg", "family pack", "loose", "bio"],
};

/// Loads `plan` into the tenant unless it already has products. Returns how
/// many products were created.
pub async fn seed_catalog(tx: &mut TenantCtx<'_>, plan: &CatalogPlan) -> Result<usize, InventoryError> {
    let _owner = &tx.actor();
    let existing: i64 = sqlx::query_scalar("SELECT count(*) FROM products")
        .fetch_one(tx.conn())
        .await?;
    if existing > 0 {
        return Ok(0);
    }
    let standard = lookups::save_tax_rate(tx, None, "Standard", 2000, true).await?;
    let reduced = lookups::save_tax_rate(tx, None, "Reduced", 500, false).await?;
    let mut suppliers: Vec<Uuid> = Vec::new();
    for (name, contact) in plan.suppliers {
        suppliers.push(lookups::save_supplier(tx, None, name, contact, "").await?);
    }
    // A fixed linear congruential sequence: the same catalog every time.
    let mut seed: u64 = plan.sku_prefix.bytes().map(u64::from).sum();
    let mut next = move |modulo: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % modulo
    };
    let mut created = 0;
    for (c, (category, items)) in plan.categories.iter().enumerate() {
        let category_id = lookups::save_category(tx, None, category).await?;
        for (i, item) in items.iter().enumerate() {
            for (v, variant) in plan.variants.iter().enumerate() {
                let number = (c + 1) * 1000 + i * 10 + v;
                let sku = format!("{}-{number:05}", plan.sku_prefix);
                let food = c < 4;
                let input = ProductInput {
                    sku: sku.clone(),
                    barcode: Some(format!(
                        "20{:011}",
                        number as u64 * 7 + plan.sku_prefix.len() as u64
                    )),
                    name: format!("{item} {variant}"),
                    description: String::new(),
                    category_id: Some(category_id),
                    supplier_id: Some(suppliers[(c + i) % suppliers.len()]),
                    tax_rate_id: Some(if food { reduced } else { standard }),
                    unit: "each".into(),
                    sale_price: 49 + next(1500) as i64,
                    cost_price: 0,
                    reorder_level: 4 + next(8) as i64,
                };
                let input = ProductInput {
                    cost_price: input.sale_price * 6 / 10,
                    ..input
                };
                let opening = next(40) as i64;
                let product = catalog::create_product(tx, input, opening, &Reference::none()).await?;
                if next(3) == 0 {
                    stock::restock(tx, product.id, 12, Some("Weekly delivery")).await?;
                }
                created += 1;
            }
        }
    }
    Ok(created)
}
