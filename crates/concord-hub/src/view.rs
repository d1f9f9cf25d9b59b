//! Lets the pure funnel read a stored profile through the rule language's variables.

use concord_decide::CustomerView;
use concord_model::Value;
use concord_profile::Profile;
use concord_strategy::Var;

pub(crate) struct ProfileView<'a>(pub &'a Profile);

impl CustomerView for ProfileView<'_> {
    fn lookup(&self, var: &Var) -> Value {
        match var {
            Var::Attribute(name) => self.0.attribute(name),
            Var::EventCount(event_type) => Value::Num(self.0.event_count(*event_type) as f64),
            Var::Holdings => Value::List(
                self.0
                    .holdings
                    .iter()
                    .map(|h| Value::Str(h.clone()))
                    .collect(),
            ),
            // Context and channel belong to the request; the funnel answers them itself.
            Var::Context(_) | Var::Channel => Value::Null,
        }
    }
}
