package stix

import "encoding/json/jsontext"

// File is a file (§6.7). It has at least one of Hashes and Name.
type File struct {
	ObservableProperties
	Hashes             Hashes                    `json:"hashes,omitempty"`
	Size               *int64                    `json:"size,omitempty"`
	Name               string                    `json:"name,omitempty"`
	NameEnc            string                    `json:"name_enc,omitempty"`
	MagicNumberHex     string                    `json:"magic_number_hex,omitempty"`
	MimeType           string                    `json:"mime_type,omitempty"`
	Ctime              Timestamp                 `json:"ctime,omitzero"`
	Mtime              Timestamp                 `json:"mtime,omitzero"`
	Atime              Timestamp                 `json:"atime,omitzero"`
	ParentDirectoryRef string                    `json:"parent_directory_ref,omitempty"`
	ContainsRefs       []string                  `json:"contains_refs,omitempty"`
	ContentRef         string                    `json:"content_ref,omitempty"`
	Extensions         *FileExtensions           `json:"extensions,omitempty"`
	Custom             map[string]jsontext.Value `json:",embed"`
}

// FileExtensions are the extensions of a File: the predefined ones of
// §6.7.2–§6.7.6, and any others in Other.
type FileExtensions struct {
	Archive         *ArchiveExt               `json:"archive-ext,omitempty"`
	NTFS            *NTFSExt                  `json:"ntfs-ext,omitempty"`
	PDF             *PDFExt                   `json:"pdf-ext,omitempty"`
	RasterImage     *RasterImageExt           `json:"raster-image-ext,omitempty"`
	WindowsPEBinary *WindowsPEBinaryExt       `json:"windows-pebinary-ext,omitempty"`
	Other           map[string]jsontext.Value `json:",embed"`
}

// ArchiveExt describes an archive file (§6.7.2).
type ArchiveExt struct {
	ContainsRefs []string                  `json:"contains_refs"`
	Comment      string                    `json:"comment,omitempty"`
	Custom       map[string]jsontext.Value `json:",embed"`
}

// NTFSExt holds NTFS properties of a file (§6.7.3).
type NTFSExt struct {
	SID                  string                    `json:"sid,omitempty"`
	AlternateDataStreams []AlternateDataStream     `json:"alternate_data_streams,omitempty"`
	Custom               map[string]jsontext.Value `json:",embed"`
}

// AlternateDataStream is an NTFS alternate data stream (§6.7.3.2).
type AlternateDataStream struct {
	Name   string                    `json:"name"`
	Hashes Hashes                    `json:"hashes,omitempty"`
	Size   *int64                    `json:"size,omitempty"`
	Custom map[string]jsontext.Value `json:",embed"`
}

// PDFExt holds PDF properties of a file (§6.7.4).
type PDFExt struct {
	Version          string                    `json:"version,omitempty"`
	IsOptimized      *bool                     `json:"is_optimized,omitzero"`
	DocumentInfoDict map[string]string         `json:"document_info_dict,omitempty"`
	PDFID0           string                    `json:"pdfid0,omitempty"`
	PDFID1           string                    `json:"pdfid1,omitempty"`
	Custom           map[string]jsontext.Value `json:",embed"`
}

// RasterImageExt holds properties of a raster image file (§6.7.5).
type RasterImageExt struct {
	ImageHeight  *int64                    `json:"image_height,omitempty"`
	ImageWidth   *int64                    `json:"image_width,omitempty"`
	BitsPerPixel *int64                    `json:"bits_per_pixel,omitempty"`
	ExifTags     map[string]jsontext.Value `json:"exif_tags,omitempty"`
	Custom       map[string]jsontext.Value `json:",embed"`
}

// WindowsPEBinaryExt holds properties of a Windows PE file (§6.7.6).
type WindowsPEBinaryExt struct {
	PEType                  string                    `json:"pe_type"`
	Imphash                 string                    `json:"imphash,omitempty"`
	MachineHex              string                    `json:"machine_hex,omitempty"`
	NumberOfSections        *int64                    `json:"number_of_sections,omitempty"`
	TimeDateStamp           Timestamp                 `json:"time_date_stamp,omitzero"`
	PointerToSymbolTableHex string                    `json:"pointer_to_symbol_table_hex,omitempty"`
	NumberOfSymbols         *int64                    `json:"number_of_symbols,omitempty"`
	SizeOfOptionalHeader    *int64                    `json:"size_of_optional_header,omitempty"`
	CharacteristicsHex      string                    `json:"characteristics_hex,omitempty"`
	FileHeaderHashes        Hashes                    `json:"file_header_hashes,omitempty"`
	OptionalHeader          *WindowsPEOptionalHeader  `json:"optional_header,omitempty"`
	Sections                []WindowsPESection        `json:"sections,omitempty"`
	Custom                  map[string]jsontext.Value `json:",embed"`
}

// WindowsPEOptionalHeader is the PE optional header (§6.7.6.2).
type WindowsPEOptionalHeader struct {
	MagicHex                string                    `json:"magic_hex,omitempty"`
	MajorLinkerVersion      *int64                    `json:"major_linker_version,omitempty"`
	MinorLinkerVersion      *int64                    `json:"minor_linker_version,omitempty"`
	SizeOfCode              *int64                    `json:"size_of_code,omitempty"`
	SizeOfInitializedData   *int64                    `json:"size_of_initialized_data,omitempty"`
	SizeOfUninitializedData *int64                    `json:"size_of_uninitialized_data,omitempty"`
	AddressOfEntryPoint     *int64                    `json:"address_of_entry_point,omitempty"`
	BaseOfCode              *int64                    `json:"base_of_code,omitempty"`
	BaseOfData              *int64                    `json:"base_of_data,omitempty"`
	ImageBase               *int64                    `json:"image_base,omitempty"`
	SectionAlignment        *int64                    `json:"section_alignment,omitempty"`
	FileAlignment           *int64                    `json:"file_alignment,omitempty"`
	MajorOSVersion          *int64                    `json:"major_os_version,omitempty"`
	MinorOSVersion          *int64                    `json:"minor_os_version,omitempty"`
	MajorImageVersion       *int64                    `json:"major_image_version,omitempty"`
	MinorImageVersion       *int64                    `json:"minor_image_version,omitempty"`
	MajorSubsystemVersion   *int64                    `json:"major_subsystem_version,omitempty"`
	MinorSubsystemVersion   *int64                    `json:"minor_subsystem_version,omitempty"`
	Win32VersionValueHex    string                    `json:"win32_version_value_hex,omitempty"`
	SizeOfImage             *int64                    `json:"size_of_image,omitempty"`
	SizeOfHeaders           *int64                    `json:"size_of_headers,omitempty"`
	ChecksumHex             string                    `json:"checksum_hex,omitempty"`
	SubsystemHex            string                    `json:"subsystem_hex,omitempty"`
	DLLCharacteristicsHex   string                    `json:"dll_characteristics_hex,omitempty"`
	SizeOfStackReserve      *int64                    `json:"size_of_stack_reserve,omitempty"`
	SizeOfStackCommit       *int64                    `json:"size_of_stack_commit,omitempty"`
	SizeOfHeapReserve       *int64                    `json:"size_of_heap_reserve,omitempty"`
	SizeOfHeapCommit        *int64                    `json:"size_of_heap_commit,omitempty"`
	LoaderFlagsHex          string                    `json:"loader_flags_hex,omitempty"`
	NumberOfRVAAndSizes     *int64                    `json:"number_of_rva_and_sizes,omitempty"`
	Hashes                  Hashes                    `json:"hashes,omitempty"`
	Custom                  map[string]jsontext.Value `json:",embed"`
}

// WindowsPESection is a section of a PE file (§6.7.6.3).
type WindowsPESection struct {
	Name    string                    `json:"name"`
	Size    *int64                    `json:"size,omitempty"`
	Entropy *float64                  `json:"entropy,omitempty"`
	Hashes  Hashes                    `json:"hashes,omitempty"`
	Custom  map[string]jsontext.Value `json:",embed"`
}

var archiveExtSpec = extSpec(map[string]*prop{
	"contains_refs": refs("file", "directory"),
	"comment":       str(),
}, []string{"contains_refs"})

var ntfsExtSpec = extSpec(map[string]*prop{
	"sid": str(),
	"alternate_data_streams": listOf(object(extSpec(map[string]*prop{
		"name":   str(),
		"hashes": hashes(),
		"size":   nonNegative(),
	}, []string{"name"}))),
}, nil, atLeastOneOf("ntfs-ext", "sid", "alternate_data_streams"))

var pdfExtSpec = extSpec(map[string]*prop{
	"version":            str(),
	"is_optimized":       boolean(),
	"document_info_dict": dictOf(str()),
	"pdfid0":             str(),
	"pdfid1":             str(),
}, nil, atLeastOneOf("pdf-ext", "version", "is_optimized", "document_info_dict", "pdfid0", "pdfid1"))

var rasterImageExtSpec = extSpec(map[string]*prop{
	"image_height":   integer(),
	"image_width":    integer(),
	"bits_per_pixel": integer(),
	"exif_tags":      dictOf(&prop{kind: kCheckOnly, check: checkIntOrString}).with(checkExifTags),
}, nil, atLeastOneOf("raster-image-ext", "image_height", "image_width", "bits_per_pixel", "exif_tags"))

var peOptionalHeaderProps = map[string]*prop{
	"magic_hex":                  hexString(),
	"major_linker_version":       integer(),
	"minor_linker_version":       integer(),
	"size_of_code":               nonNegative(),
	"size_of_initialized_data":   nonNegative(),
	"size_of_uninitialized_data": nonNegative(),
	"address_of_entry_point":     integer(),
	"base_of_code":               integer(),
	"base_of_data":               integer(),
	"image_base":                 integer(),
	"section_alignment":          integer(),
	"file_alignment":             integer(),
	"major_os_version":           integer(),
	"minor_os_version":           integer(),
	"major_image_version":        integer(),
	"minor_image_version":        integer(),
	"major_subsystem_version":    integer(),
	"minor_subsystem_version":    integer(),
	"win32_version_value_hex":    hexString(),
	"size_of_image":              nonNegative(),
	"size_of_headers":            nonNegative(),
	"checksum_hex":               hexString(),
	"subsystem_hex":              hexString(),
	"dll_characteristics_hex":    hexString(),
	"size_of_stack_reserve":      nonNegative(),
	"size_of_stack_commit":       nonNegative(),
	"size_of_heap_reserve":       nonNegative(),
	"size_of_heap_commit":        nonNegative(),
	"loader_flags_hex":           hexString(),
	"number_of_rva_and_sizes":    integer(),
	"hashes":                     hashes(),
}

var peOptionalHeaderSpec = extSpec(peOptionalHeaderProps, nil,
	atLeastOneOf("optional_header", sortedKeys(peOptionalHeaderProps)...))

var windowsPEBinaryExtSpec = extSpec(map[string]*prop{
	"pe_type":                     vocab("windows-pebinary-type-ov", windowsPEBinaryTypeOV),
	"imphash":                     str(),
	"machine_hex":                 hexString(),
	"number_of_sections":          nonNegative(),
	"time_date_stamp":             &prop{kind: kTimestamp, seconds: true},
	"pointer_to_symbol_table_hex": hexString(),
	"number_of_symbols":           nonNegative(),
	"size_of_optional_header":     nonNegative(),
	"characteristics_hex":         hexString(),
	"file_header_hashes":          hashes(),
	"optional_header":             object(peOptionalHeaderSpec),
	"sections": listOf(object(extSpec(map[string]*prop{
		"name":    str(),
		"size":    nonNegative(),
		"entropy": float(),
		"hashes":  hashes(),
	}, []string{"name"}))),
}, []string{"pe_type"}, atLeastOneOf("windows-pebinary-ext (besides pe_type)",
	"imphash", "machine_hex", "number_of_sections", "time_date_stamp",
	"pointer_to_symbol_table_hex", "number_of_symbols", "size_of_optional_header",
	"characteristics_hex", "file_header_hashes", "optional_header", "sections"))

var fileSpec = scoSpec(map[string]*prop{
	"hashes":               hashes(),
	"size":                 nonNegative(),
	"name":                 str(),
	"name_enc":             str().with(checkCharset),
	"magic_number_hex":     hexString(),
	"mime_type":            str().with(checkMimeType),
	"ctime":                timestamp(),
	"mtime":                timestamp(),
	"atime":                timestamp(),
	"parent_directory_ref": ref("directory"),
	"contains_refs":        refs(anySCO),
	"content_ref":          ref("artifact"),
}, map[string]*objSpec{
	"archive-ext":          archiveExtSpec,
	"ntfs-ext":             ntfsExtSpec,
	"pdf-ext":              pdfExtSpec,
	"raster-image-ext":     rasterImageExtSpec,
	"windows-pebinary-ext": windowsPEBinaryExtSpec,
}, nil, atLeastOneOf("a file", "hashes", "name"),
	func(c *checker, n *node, path string) {
		if n.has("name_enc") && !n.has("name") {
			c.fail(join(path, "name_enc"), "must not be present without name")
		}
	})

// checkIntOrString checks a value that is an integer or a string.
func checkIntOrString(c *checker, n *node, path string) {
	switch n.kind {
	case '"':
	case '0':
		c.value(n, path, integer())
	default:
		c.fail(path, "must be an integer or a string (got %s)", n.kindName())
	}
}

// checkExifTags applies "each dictionary key MUST be a case-preserved
// version of the EXIF tag name" (§6.7.5) as far as a name's shape tells:
// EXIF tag names begin with an upper-case letter.
func checkExifTags(c *checker, n *node, path string) {
	if n.kind != '{' {
		return
	}
	for _, m := range n.members {
		if m.name == "" || m.name[0] < 'A' || m.name[0] > 'Z' {
			c.fail(join(path, m.name), "is not an EXIF tag name, which begins with an upper-case letter")
		}
	}
}
