package attribution

// ParseFamilies returns the families of DefaultFamilies a comma-separated
// list names, as FindFamilies does ("all", "none" or names). Family names themselves hold
// ", " ("campaigns, all hidden"), so a list is split only on commas that
// are followed by something other than a space.
func ParseFamilies(list string) ([]Family, error) {
	return FindFamilies(splitFamilies(list))
}

// splitFamilies splits a list of family names on commas that are not
// followed by a space.
func splitFamilies(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == ',' && (i+1 == len(s) || s[i+1] != ' ') {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}
