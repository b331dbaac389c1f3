package warninglist

import (
	"net/netip"
	"os"
	"strings"
)

// GuessKind tells the kind of a value by its form: an address or prefix
// is KindIP, "://" makes a URL, "@" an e-mail address, hexadecimal of a
// hash's length that hash; anything else is a domain.
func GuessKind(v string) Kind {
	if _, err := netip.ParseAddr(v); err == nil {
		return KindIP
	}
	if _, err := netip.ParsePrefix(v); err == nil {
		return KindIP
	}
	switch {
	case strings.Contains(v, "://"):
		return KindURL
	case strings.Contains(v, "@"):
		return KindEmail
	case isHex(v):
		switch len(v) {
		case 32:
			return KindMD5
		case 40:
			return KindSHA1
		case 64:
			return KindSHA256
		case 128:
			return KindSHA512
		}
	}
	return KindDomain
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return s != ""
}

// ReadPaths reads the lists of each path: a list file, or a directory of
// lists as ReadDir reads it. A path that cannot be read does not stop the
// others: its error is among those returned, in the order of the paths.
func ReadPaths(paths []string) ([]*List, []error) {
	var lists []*List
	var errs []error
	for _, p := range paths {
		ls, es := readPath(p)
		lists, errs = append(lists, ls...), append(errs, es...)
	}
	return lists, errs
}

func readPath(p string) ([]*List, []error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, []error{err}
	}
	if st.IsDir() {
		return ReadDir(p)
	}
	l, err := ReadFile(p)
	if err != nil {
		return nil, []error{err}
	}
	return []*List{l}, nil
}
