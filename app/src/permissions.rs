//! Who may do what. Every domain function that changes something asks here; the
//! pages ask too, only to hide what a role cannot use (compiled for both sides);
//! the hidden button is never the enforcement.
use uuid::Uuid;

use crate::model::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    ViewCatalog,
    EditCatalog,
    ArchiveCatalog,
    Restock,
    AdjustStock,
    CountStock,
    ReturnStock,
    ImportCatalog,
    ExportCatalog,
    Sell,
    IssueCreditNote,
    GiveLargeDiscount,
}

impl Permission {
    pub const ALL: [Permission; 12] = [
        Permission::ViewCatalog,
        Permission::EditCatalog,
        Permission::ArchiveCatalog,
        Permission::Restock,
        Permission::AdjustStock,
        Permission::CountStock,
        Permission::ReturnStock,
        Permission::ImportCatalog,
        Permission::ExportCatalog,
        Permission::Sell,
        Permission::IssueCreditNote,
        Permission::GiveLargeDiscount,
    ];

    /// The least role that holds this permission (roles are ordered by power).
    pub fn least_role(self) -> Role {
        match self {
            Permission::ViewCatalog | Permission::Sell => Role::Cashier,
            Permission::EditCatalog
            | Permission::Restock
            | Permission::AdjustStock
            | Permission::CountStock
            | Permission::ReturnStock
            | Permission::ImportCatalog
            | Permission::ExportCatalog
            | Permission::IssueCreditNote
            | Permission::GiveLargeDiscount => Role::Manager,
            Permission::ArchiveCatalog => Role::Admin,
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Permission::ViewCatalog => "view the catalog",
            Permission::EditCatalog => "edit the catalog",
            Permission::ArchiveCatalog => "archive or restore",
            Permission::Restock => "restock",
            Permission::AdjustStock => "adjust stock",
            Permission::CountStock => "count stock",
            Permission::ReturnStock => "return goods to stock",
            Permission::ImportCatalog => "import the catalog",
            Permission::ExportCatalog => "export the catalog",
            Permission::Sell => "sell",
            Permission::IssueCreditNote => "issue credit notes",
            Permission::GiveLargeDiscount => "give discounts above the cashier limit",
        }
    }
}

pub fn allows(role: Role, permission: Permission) -> bool {
    role >= permission.least_role()
}

/// The member doing something, as the domain sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Uuid,
    pub role: Role,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Your role may not {}.", .0.describe())]
pub struct Forbidden(pub Permission);

impl Actor {
    pub fn require(&self, permission: Permission) -> Result<(), Forbidden> {
        if allows(self.role, permission) {
            Ok(())
        } else {
            Err(Forbidden(permission))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_matrix() {
        use Permission::*;
        let expect = |role: Role, allowed: &[Permission]| {
            for p in Permission::ALL {
                assert_eq!(allows(role, p), allowed.contains(&p), "{role:?} {p:?}");
            }
        };
        expect(Role::Cashier, &[ViewCatalog, Sell]);
        expect(
            Role::Manager,
            &[
                ViewCatalog,
                Sell,
                EditCatalog,
                Restock,
                AdjustStock,
                CountStock,
                ReturnStock,
                ImportCatalog,
                ExportCatalog,
                IssueCreditNote,
                GiveLargeDiscount,
            ],
        );
        expect(Role::Admin, &Permission::ALL);
        expect(Role::Owner, &Permission::ALL);
    }
}
