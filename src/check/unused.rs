//! "Never used" warnings for enums, records, constants, sets, parameters and obligations.

use super::error::CheckError;
use super::ir::*;
use super::{Checker, ValueSymbol};

impl<'a> Checker<'a> {
    /// Warns about every declaration nothing refers to.
    pub(super) fn report_unused(&mut self) {
        for (index, used) in self.used_types.clone().into_iter().enumerate() {
            let place = self.enum_places[index];
            if !used {
                self.file = place.file;
                self.error(CheckError::Unused {
                    what: "enum",
                    name: self.enums[index].name.clone(),
                    span: place.span,
                });
            }
        }
        for (index, used) in self.used_records.clone().into_iter().enumerate() {
            if !used {
                let (file, decl) = self.record_asts[index];
                self.file = file;
                self.error(CheckError::Unused {
                    what: "record",
                    name: decl.name.name.clone(),
                    span: decl.name.span,
                });
            }
        }
        let mut unused_values: Vec<(String, Place, &'static str)> = Vec::new();
        for (name, (symbol, place)) in &self.values {
            if self.used_values.get(symbol) == Some(&false) {
                let what = match symbol {
                    ValueSymbol::Const(_) => "constant",
                    ValueSymbol::Set(_) => "set",
                    ValueSymbol::Param(_) => "parameter",
                };
                unused_values.push((name.clone(), *place, what));
            }
        }
        for (name, place, what) in unused_values {
            self.file = place.file;
            self.error(CheckError::Unused {
                what,
                name,
                span: place.span,
            });
        }
        for (index, used) in self.used_obligations.clone().into_iter().enumerate() {
            if !used {
                let (file, decl) = self.obligation_asts[index];
                self.file = file;
                self.error(CheckError::Unused {
                    what: "obligation",
                    name: decl.name.name.clone(),
                    span: decl.name.span,
                });
            }
        }
    }
}
