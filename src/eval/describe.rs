//! Values written the way a policy writes them: enum members by name, sets in braces, text in
//! quotes. Used for explanations and `because` texts.

use super::ir::Program;
use super::value::Value;

impl Program {
    /// A value as licit source would write it.
    pub fn format_value(&self, value: &Value) -> String {
        let mut out = String::new();
        self.write_value(value, &mut out);
        out
    }

    /// Writes a value as licit source would write it onto `out`.
    pub(super) fn write_value(&self, value: &Value, out: &mut String) {
        match value {
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => out.push_str(&i.to_string()),
            Value::Decimal(d) => out.push_str(&d.to_string()),
            Value::Text(t) => {
                out.push('"');
                out.push_str(&t.replace('\\', "\\\\").replace('"', "\\\""));
                out.push('"');
            }
            Value::Date(d) => out.push_str(&d.to_string()),
            Value::Duration(d) => out.push_str(&d.to_string()),
            Value::Enum(ty, member) => out.push_str(self.member_name(*ty, *member)),
            Value::EnumSet(..) | Value::Set(_) => {
                out.push('{');
                for (position, member) in value.set_members().iter().enumerate() {
                    if position > 0 {
                        out.push_str(", ");
                    }
                    self.write_value(member, out);
                }
                out.push('}');
            }
            Value::Record(record, fields) => {
                out.push('{');
                let names = self
                    .policy
                    .records
                    .get(usize::from(*record))
                    .map(|r| &r.fields);
                for (position, field) in fields.iter().enumerate() {
                    if position > 0 {
                        out.push_str(", ");
                    }
                    let name = names
                        .and_then(|n| n.get(position))
                        .map(|f| f.name.as_str())
                        .unwrap_or("?");
                    out.push_str(name);
                    out.push_str(": ");
                    self.write_value(field, out);
                }
                out.push('}');
            }
            Value::None => out.push_str("none"),
        }
    }

    /// A verdict or obligation with its arguments: `authorised(basis: "EU001")`.
    pub fn format_conclusion(&self, kind: &crate::check::ir::KindDef, args: &[Value]) -> String {
        if kind.params.is_empty() {
            return kind.name.clone();
        }
        let args: Vec<String> = kind
            .params
            .iter()
            .zip(args)
            .map(|((name, _), value)| format!("{name}: {}", self.format_value(value)))
            .collect();
        format!("{}({})", kind.name, args.join(", "))
    }

    /// The name of an enum member.
    pub fn member_name(&self, ty: u16, member: u16) -> &str {
        self.policy
            .enums
            .get(usize::from(ty))
            .and_then(|e| e.members.get(usize::from(member)))
            .map(String::as_str)
            .unwrap_or("?")
    }
}
