package storetest

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	json "encoding/json/v2"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rampart-cti/rampart"
	"github.com/rampart-cti/rampart/stix"
)

// The search benchmark's corpus: n objects made from their number alone
// (the same number gives the same object), half indicators with STIX
// patterns (an IPv4 address, a domain, a URL, a hash or an e-mail
// address), a tenth intrusion sets (names, aliases, ATT&CK-like external
// ids), a tenth malware, and three tenths reports whose descriptions of
// 40 to 160 words are drawn from a vocabulary of 30,000 made-up words
// with a Zipf distribution (a few words in most reports, most words in
// few), a third of them naming an indicator's value too.

// SearchCorpusVersion names the corpus and the search schema it was
// indexed with: a database built with one version may be reused by a
// later run with the same version (and size). Change it with either.
const SearchCorpusVersion = "3"

const (
	searchVocabulary = 30000
	searchSeed       = 0x5ea4c4
)

var (
	consonants = "bdfghklmnprstvz"
	vowels     = "aeiou"
)

// vocabWord returns word k of the vocabulary: two syllables for the first
// 5,625, three for the others (consonant and vowel each, so that no two
// words are spelled alike).
func vocabWord(k int) string {
	syl := func(n int) string {
		return string(consonants[n%len(consonants)]) + string(vowels[n/len(consonants)%len(vowels)])
	}
	const s = 15 * 5
	if k < s*s {
		return syl(k%s) + syl(k/s)
	}
	k -= s * s
	return syl(k%s) + syl(k/s%s) + syl(k/s/s%s)
}

func title(w string) string { return strings.ToUpper(w[:1]) + w[1:] }

// corpusRand returns the random source of object i.
func corpusRand(i int) *rand.Rand {
	return rand.New(rand.NewPCG(searchSeed, uint64(i)))
}

// zipfWord draws a word of the vocabulary, the first ones most often.
func zipfWord(r *rand.Rand) string {
	return words(r, 1)
}

// corpusValue returns the value indicator i names in its pattern, and the
// pattern's object path.
func corpusValue(i int) (path, value string) {
	r := corpusRand(i)
	host := vocabWord(r.IntN(searchVocabulary)) + "-" + vocabWord(r.IntN(searchVocabulary)) + "." +
		[]string{"com", "net", "org", "info", "io"}[r.IntN(5)]
	switch i / 10 % 5 {
	case 0:
		return "ipv4-addr:value", fmt.Sprintf("10.%d.%d.%d", i>>16&0xff, i>>8&0xff, i&0xff)
	case 1:
		return "domain-name:value", host
	case 2:
		return "url:value", fmt.Sprintf("http://%s/%s/%d.php", host, vocabWord(r.IntN(searchVocabulary)), i)
	case 3:
		if i%2 == 0 {
			h := md5.Sum(binary.BigEndian.AppendUint64(nil, uint64(i)))
			return "file:hashes.MD5", strings.ToUpper(hex.EncodeToString(h[:]))
		}
		h := sha256.Sum256(binary.BigEndian.AppendUint64(nil, uint64(i)))
		return "file:hashes.'SHA-256'", hex.EncodeToString(h[:])
	}
	return "email-addr:value", vocabWord(r.IntN(searchVocabulary)) + "." + vocabWord(r.IntN(searchVocabulary)) + "@" + host
}

// corpusGroup returns the names of intrusion set number g: its name, its
// APT-style alias and its external id.
func corpusGroup(g int) (name, alias, extID string) {
	r := corpusRand(-g - 1)
	return title(vocabWord(r.IntN(searchVocabulary))) + " " + title(vocabWord(r.IntN(searchVocabulary))),
		fmt.Sprintf("APT%d", g), fmt.Sprintf("G%05d", g)
}

// corpusMalware returns the name of malware number m.
func corpusMalware(m int) string {
	r := corpusRand(-m - 1_000_000_000)
	return title(vocabWord(r.IntN(searchVocabulary))) + []string{"Loader", "RAT", "Stealer", "Bot", "Locker"}[r.IntN(5)]
}

// words returns n words drawn from r, the first ones of the vocabulary
// most often.
func words(r *rand.Rand, n int) string {
	z := rand.NewZipf(r, 1.07, 2, searchVocabulary-1)
	ws := make([]string, n)
	for i := range ws {
		ws[i] = vocabWord(int(z.Uint64()))
	}
	return strings.Join(ws, " ")
}

// SearchCorpus returns objects start to start+n of the corpus, as versions
// to restore, each added a microsecond after the one before.
func SearchCorpus(start, n int) []*rampart.ObjectVersion {
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]*rampart.ObjectVersion, n)
	for k := range out {
		i := start + k
		o, err := stix.ParseObject(corpusObject(i))
		if err != nil {
			panic(fmt.Sprintf("corpus object %d: %v", i, err))
		}
		out[k] = &rampart.ObjectVersion{Object: o, DateAdded: base.Add(time.Duration(i) * time.Microsecond)}
	}
	return out
}

// corpusObject returns the JSON of object i.
func corpusObject(i int) []byte {
	r := corpusRand(i)
	created := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.IntN(10*365*24)) * time.Hour).Format("2006-01-02T15:04:05.000Z")
	head := fmt.Sprintf(`"spec_version":"2.1","created":%q,"modified":%q,"created_by_ref":"identity--%s",`+
		`"object_marking_refs":["%s"]`, created, created, benchUUID(-1-r.IntN(20)),
		[]string{tlpGreen, tlpGreen, tlpGreen, tlpAmber}[r.IntN(4)])
	switch i % 10 {
	case 0, 1, 2, 3, 4:
		path, value := corpusValue(i)
		return fmt.Appendf(nil, `{"type":"indicator","id":"indicator--%s",%s,"name":"%s indicator %d","description":%q,`+
			`"indicator_types":["malicious-activity"],"pattern":%q,"pattern_type":"stix","valid_from":%q,"labels":[%q]}`,
			benchUUID(i), head, title(zipfWord(r)), i, words(r, 12),
			fmt.Sprintf("[%s = '%s']", path, value), created, zipfWord(r))
	case 5:
		name, alias, extID := corpusGroup(i / 10)
		return fmt.Appendf(nil, `{"type":"intrusion-set","id":"intrusion-set--%s",%s,"name":%q,"aliases":[%q,%q],"description":%q,`+
			`"external_references":[{"source_name":"mitre-attack","external_id":%q}]}`,
			benchUUID(i), head, name, alias, title(zipfWord(r))+" Team", words(r, 25), extID)
	case 6:
		return fmt.Appendf(nil, `{"type":"malware","id":"malware--%s",%s,"name":%q,"is_family":true,"description":%q,"labels":[%q]}`,
			benchUUID(i), head, corpusMalware(i/10), words(r, 25), zipfWord(r))
	}
	desc := words(r, 40+r.IntN(120))
	if r.IntN(3) == 0 && i >= 10 {
		_, v := corpusValue(r.IntN(i/10) * 10)
		desc += " Seen at " + v + "."
	}
	return fmt.Appendf(nil, `{"type":"report","id":"report--%s",%s,"name":%q,"description":%q,"published":%q,"object_refs":["indicator--%s"]}`,
		benchUUID(i), head, title(words(r, 4)), desc, created, benchUUID(i/10*10))
}

// FillSearch stores the first n objects of the corpus in coll with
// RestoreObjects, in batches of 5,000, logging its progress.
func FillSearch(b *testing.B, s Services, coll string, n int) {
	start := time.Now()
	const batch = 5000
	for done := 0; done < n; done += batch {
		if err := s.Objects.RestoreObjects(ctx, coll, SearchCorpus(done, min(batch, n-done))); err != nil {
			b.Fatal(err)
		}
		if done%100_000 == 0 && done > 0 {
			b.Logf("stored %d of %d objects in %v", done, n, time.Since(start).Round(time.Second))
		}
	}
	b.Logf("stored %d objects in %v", n, time.Since(start).Round(time.Millisecond))
}

// A benchQuery is one search of the benchmark, and whether it must find
// something.
type benchQuery struct {
	text  string
	types []string
	found bool
}

// searchQueries returns the queries of each kind the benchmark measures,
// for a corpus of n objects: about a tenth of each kind find nothing.
func searchQueries(n int) map[string][]benchQuery {
	r := rand.New(rand.NewPCG(searchSeed, 1))
	const each = 500
	qs := map[string][]benchQuery{}
	add := func(kind string, q benchQuery) { qs[kind] = append(qs[kind], q) }
	for k := range each {
		miss := k%10 == 9
		// Values: an address, domain, URL, hash or e-mail address of an
		// indicator (upper or lower case), or one no indicator names.
		if miss {
			add("value", benchQuery{text: []string{"192.0.2.77", "nothing-here.example", "http://nothing.example/x",
				"ffffffffffffffffffffffffffffffff", "nobody@nothing.example"}[k/10%5]})
		} else {
			_, v := corpusValue(r.IntN(n/10) * 10)
			if k%3 == 0 {
				v = strings.ToUpper(v)
			}
			add("value", benchQuery{text: v, found: true})
		}
		// Names: an intrusion set by name, alias or external id, malware
		// by name.
		g, m := r.IntN(n/10), r.IntN(n/10)
		name, alias, extID := corpusGroup(g)
		switch {
		case miss:
			add("name", benchQuery{text: fmt.Sprintf("APT%d", n+k)})
		case k%4 == 0:
			add("name", benchQuery{text: name, found: true})
		case k%4 == 1:
			add("name", benchQuery{text: alias, found: true})
		case k%4 == 2:
			add("name", benchQuery{text: extID, found: true})
		default:
			add("name", benchQuery{text: corpusMalware(m), found: true})
		}
		// Full text: one word drawn as the reports draw them (so mostly
		// frequent ones), two words, a phrase of two words of a report,
		// a prefix of four letters, one word in reports only.
		switch {
		case miss:
			add("text", benchQuery{text: "zzzqqx"})
		case k%5 == 0:
			add("text", benchQuery{text: zipfWord(r)})
		case k%5 == 1:
			add("text", benchQuery{text: zipfWord(r) + " " + zipfWord(r)})
		case k%5 == 2:
			var report struct {
				Description string `json:"description"`
			}
			if err := json.Unmarshal(corpusObject(r.IntN(n/10)*10+7), &report); err != nil {
				panic(err)
			}
			ws := strings.Fields(report.Description)
			at := r.IntN(30)
			add("text", benchQuery{text: `"` + ws[at] + " " + ws[at+1] + `"`, found: true})
		case k%5 == 3:
			add("text", benchQuery{text: vocabWord(75*75 + r.IntN(searchVocabulary-75*75))[:4] + "*"})
		default:
			add("text", benchQuery{text: zipfWord(r), types: []string{"report"}})
		}
		// The worst case: one of the ten most frequent words.
		add("common", benchQuery{text: vocabWord(k % 10), found: true})
	}
	return qs
}

// BenchSearch measures SearchObjects on coll, which holds the first n
// objects of the corpus (FillSearch), one sub-benchmark per kind of query:
// values, names, full text and the most frequent words. Each query asks
// for the first page of 50 hits and their count; it reports the p50 and
// p95 latency over the queries run (misses included).
func BenchSearch(b *testing.B, s Services, coll string, n int) {
	qs := searchQueries(n)
	for _, kind := range []string{"value", "name", "text", "common"} {
		b.Run(kind, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			hits := 0
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				q := qs[kind][i%len(qs[kind])]
				t0 := time.Now()
				p, err := s.Search.SearchObjects(ctx, rampart.SearchQuery{CollectionIDs: []string{coll}, Text: q.text, Types: q.types})
				lat = append(lat, time.Since(t0))
				if err != nil {
					b.Fatalf("search %q: %v", q.text, err)
				}
				if q.found && len(p.Hits) == 0 {
					b.Fatalf("search %q found nothing", q.text)
				}
				hits += len(p.Hits)
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
			b.ReportMetric(float64(hits)/float64(b.N), "hits/op")
		})
	}
}
