# The toy policy of the peer benchmark (bench/peers), in Rego (v1 syntax).
# A cyber-surveillance item to an arms-embargoed destination without a licence requires a licence.
package toy

arms_embargoed := {"BY", "IR", "KP", "MM", "RU", "SY", "VE"}

default licence_required := false

licence_required if {
	input.cyber_surveillance
	input.destination in arms_embargoed
	not input.has_licence
}
