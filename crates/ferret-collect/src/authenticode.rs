//! Offline Authenticode verification of PE images (EXE, DLL, EFI).
//!
//! [`verify`] takes the bytes of a file and returns a
//! [`ferret_core::ImageSignature`]; it never executes or loads anything and
//! needs no network. It checks, in order:
//!
//! 1. the PE layout (DOS and PE headers, PE32/PE32+ optional header, the
//!    security data directory pointing at the WIN_CERTIFICATE table, all
//!    bounds-checked): no table → `Unsigned`, no PE → `NotPe`;
//! 2. the image digest: the Authenticode hash of the file (everything except
//!    the optional header's CheckSum, the security directory entry and the
//!    certificate table; see [`image_digest`]) must equal the digest in the
//!    signature's `SpcIndirectDataContent`;
//! 3. the signer: the signed attributes' `messageDigest` must be the hash of
//!    the `SpcIndirectDataContent` content octets, and the signature over the
//!    DER of the signed attributes must verify with the signer certificate's
//!    key (RSA PKCS#1 v1.5 or ECDSA P-256/P-384, with SHA-1/256/384/512);
//! 4. the chain: from the signer certificate through the certificates the
//!    signature carries (issuer name = subject name, each signature verified
//!    with the issuer's key), up to a [`TrustedRoots`] anchor when one signs
//!    (or is) the top certificate → `microsoft_root: true`.
//!
//! Deliberately not done: validity periods are not checked against today
//! (Authenticode signatures are timestamped, and an old, expired signature
//! on an old DLL is still the vendor's); counter-signatures (timestamps) and
//! nested signatures (in unsigned attributes) are ignored; revocation is not
//! checked; extended key usages are not checked. Each WIN_CERTIFICATE entry
//! of type PKCS_SIGNED_DATA is verified on its own and the best outcome is
//! kept (anchored over valid over invalid).
//!
//! Crates: the RustCrypto stack (`cms` for SignedData, `x509-cert`, `der`,
//! `spki`, `rsa`, `p256`/`p384`, `sha1`/`sha2`). The PE hash is computed
//! here, not with Google's `authenticode` crate: that crate hashes the
//! headers and then each section's raw data sorted by file offset, which
//! leaves gaps between sections (and bytes before the first section beyond
//! `SizeOfHeaders`) unhashed, and derives the trailing-data length
//! arithmetically; Windows, signify and osslsigncode hash the file linearly,
//! which covers every byte but the three exclusions (measured: both agree
//! on the test files here, the linear hash is the stricter one; see
//! uthenticode issue #59 for files where the section walk gets it wrong).
//! The 0.2/0.7/0.9 generation of the RustCrypto crates is used because `cms`
//! has no stable release on the newer `der` 0.8; `rsa` 0.9's advisory
//! RUSTSEC-2023-0071 (Marvin timing) concerns private-key operations only,
//! and this module only verifies.
//!
//! This module produces no `Component`s and sets no attrs: callers attach
//! the returned `ImageSignature` to the component that loads the image.

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use der::asn1::{ObjectIdentifier, OctetString};
use der::{Decode, Encode, Tag, Tagged};
use ferret_core::ImageSignature;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::name::Name;
use x509_cert::Certificate;

/// How many WIN_CERTIFICATE entries are examined at most.
const MAX_ENTRIES: usize = 8;
/// How many certificates of one signature are considered at most.
const MAX_CERTS: usize = 64;
/// How long a chain may grow at most.
const MAX_CHAIN: usize = 16;
/// The longest name kept for display.
const MAX_NAME: usize = 256;

const WIN_CERT_REVISION_2_0: u16 = 0x0200;
const WIN_CERT_TYPE_PKCS_SIGNED_DATA: u16 = 0x0002;

const OID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const OID_SPC_INDIRECT_DATA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.2.1.4");
const OID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const OID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const OID_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const OID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const OID_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const OID_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");
const OID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_SHA1_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.5");
const OID_SHA256_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const OID_SHA384_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
const OID_SHA512_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13");
const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_ECDSA_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.1");
const OID_ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const OID_ECDSA_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
const OID_ECDSA_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.4");
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const OID_P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const OID_CN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
const OID_O: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.10");

/// The digest of an image as the reason text says it (kept in one place so
/// that callers and tests can match on it).
pub const REASON_IMAGE_DIGEST: &str =
    "image digest does not match: the file was modified after signing";

/// Certificates that anchor a chain: Ferret ships Microsoft's code-signing
/// roots and UEFI CAs in `rules/known-good/microsoft-roots.pem`.
#[derive(Debug, Clone, Default)]
pub struct TrustedRoots {
    roots: Vec<Root>,
}

#[derive(Debug, Clone)]
struct Root {
    der: Vec<u8>,
    subject_der: Vec<u8>,
    subject: String,
    spki: SubjectPublicKeyInfoOwned,
}

impl TrustedRoots {
    /// Parses PEM text: every `CERTIFICATE` block is kept (its DER, subject
    /// and public key); text between blocks (comments) is ignored. An empty
    /// set, or a block that does not parse, is an error.
    pub fn from_pem(text: &str) -> Result<TrustedRoots, String> {
        const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
        const END: &str = "-----END CERTIFICATE-----";
        let mut roots = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find(BEGIN) {
            let after = &rest[start..];
            let Some(end) = after.find(END) else {
                return Err(format!("certificate {} has no END line", roots.len() + 1));
            };
            let block = &after[..end + END.len()];
            let (label, der) = der::pem::decode_vec(block.as_bytes())
                .map_err(|e| format!("certificate {}: bad PEM: {e}", roots.len() + 1))?;
            if label != "CERTIFICATE" {
                return Err(format!("unexpected PEM label {label}"));
            }
            let cert = Certificate::from_der(&der)
                .map_err(|e| format!("certificate {}: bad X.509: {e}", roots.len() + 1))?;
            let tbs = &cert.tbs_certificate;
            let subject_der = tbs.subject.to_der().map_err(|e| e.to_string())?;
            roots.push(Root {
                subject: display_name(&tbs.subject),
                subject_der,
                spki: tbs.subject_public_key_info.clone(),
                der,
            });
            rest = &after[end + END.len()..];
        }
        if roots.is_empty() {
            return Err("no CERTIFICATE block found".to_string());
        }
        Ok(TrustedRoots { roots })
    }

    /// How many anchors the set holds.
    pub fn len(&self) -> usize {
        self.roots.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }

    /// The anchors' display subjects (CN, else O), in file order.
    pub fn subjects(&self) -> impl Iterator<Item = &str> {
        self.roots.iter().map(|r| r.subject.as_str())
    }
}

/// Where the parts of a PE that Authenticode excludes from its hash lie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PeLayout {
    /// File offset of the optional header's CheckSum field (4 bytes).
    checksum: usize,
    /// File offset of the security data directory entry (8 bytes), when the
    /// optional header has one.
    security_dir: Option<usize>,
    /// The certificate table as (file offset, size), when present.
    cert_table: Option<(usize, usize)>,
}

fn u16_at(data: &[u8], off: usize) -> Option<u16> {
    let b = data.get(off..off.checked_add(2)?)?;
    Some(u16::from_le_bytes([b[0], b[1]]))
}

fn u32_at(data: &[u8], off: usize) -> Option<u32> {
    let b = data.get(off..off.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Parses the headers Authenticode needs. `Err` is the NotPe reason; a
/// security directory that points outside the file is `Ok` with the raw
/// values checked later by the caller.
fn parse_pe(image: &[u8]) -> Result<Result<PeLayout, String>, String> {
    if image.len() < 0x40 || &image[..2] != b"MZ" {
        return Err("no MZ header".to_string());
    }
    let pe = u32_at(image, 0x3c).ok_or("truncated DOS header")? as usize;
    if image.get(pe..pe.saturating_add(4)) != Some(b"PE\0\0".as_slice()) {
        return Err(format!("no PE signature at e_lfanew {pe:#x}"));
    }
    let opt_size = u16_at(image, pe + 20).ok_or("truncated COFF header")? as usize;
    let opt = pe + 24;
    let opt_end = opt + opt_size;
    if opt_end > image.len() {
        return Err("optional header extends past the end of the file".to_string());
    }
    let (nrva_off, dirs) = match u16_at(image, opt) {
        Some(0x10b) => (opt + 92, opt + 96),
        Some(0x20b) => (opt + 108, opt + 112),
        Some(m) => return Err(format!("unknown optional header magic {m:#x}")),
        None => return Err("no optional header".to_string()),
    };
    if opt_size < 68 {
        return Err("optional header too short for a CheckSum".to_string());
    }
    let checksum = opt + 64;
    let sec_off = dirs + 4 * 8;
    let nrva = if nrva_off + 4 <= opt_end {
        u32_at(image, nrva_off).unwrap_or(0)
    } else {
        0
    };
    if nrva < 5 || sec_off + 8 > opt_end {
        return Ok(Ok(PeLayout {
            checksum,
            security_dir: None,
            cert_table: None,
        }));
    }
    let va = u32_at(image, sec_off).unwrap_or(0) as usize;
    let size = u32_at(image, sec_off + 4).unwrap_or(0) as usize;
    if size == 0 {
        return Ok(Ok(PeLayout {
            checksum,
            security_dir: Some(sec_off),
            cert_table: None,
        }));
    }
    if va < opt_end || va.checked_add(size).map_or(true, |end| end > image.len()) {
        return Ok(Err(format!(
            "certificate table ({va:#x}, {size} bytes) lies outside the file body \
             ({} bytes)",
            image.len()
        )));
    }
    Ok(Ok(PeLayout {
        checksum,
        security_dir: Some(sec_off),
        cert_table: Some((va, size)),
    }))
}

/// A digest algorithm Authenticode may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HashAlg {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl HashAlg {
    fn from_oid(oid: &ObjectIdentifier) -> Option<HashAlg> {
        match *oid {
            OID_SHA1 => Some(HashAlg::Sha1),
            OID_SHA256 => Some(HashAlg::Sha256),
            OID_SHA384 => Some(HashAlg::Sha384),
            OID_SHA512 => Some(HashAlg::Sha512),
            _ => None,
        }
    }

    fn digest(self, parts: &[&[u8]]) -> Vec<u8> {
        fn run<D: Digest>(parts: &[&[u8]]) -> Vec<u8> {
            let mut d = D::new();
            for p in parts {
                d.update(p);
            }
            d.finalize().to_vec()
        }
        match self {
            HashAlg::Sha1 => run::<Sha1>(parts),
            HashAlg::Sha256 => run::<Sha256>(parts),
            HashAlg::Sha384 => run::<Sha384>(parts),
            HashAlg::Sha512 => run::<Sha512>(parts),
        }
    }
}

/// The Authenticode image hash: the whole file, linearly, except the
/// CheckSum field, the security directory entry and the certificate table.
///
/// Facts from Microsoft's "Windows Authenticode Portable Executable
/// Signature Format" and how Windows applies it: the signing tool pads the
/// file with zeros to an 8-byte boundary before appending the table, and
/// that padding lies before the table and is hashed; the table itself
/// (including every WIN_CERTIFICATE entry and their alignment padding) is
/// not hashed; data after the table (which MS12-024-era Windows rejects) is
/// hashed here, so appending to a signed file breaks the digest.
fn image_digest(image: &[u8], layout: &PeLayout, alg: HashAlg) -> Vec<u8> {
    let mut cuts: Vec<(usize, usize)> = vec![(layout.checksum, 4)];
    if let Some(s) = layout.security_dir {
        cuts.push((s, 8));
    }
    if let Some(t) = layout.cert_table {
        cuts.push(t);
    }
    cuts.sort_unstable();
    let mut parts: Vec<&[u8]> = Vec::with_capacity(cuts.len() + 1);
    let mut pos = 0usize;
    for (start, len) in cuts {
        let start = start.min(image.len());
        if start > pos {
            parts.push(&image[pos..start]);
        }
        pos = pos.max(start.saturating_add(len).min(image.len()));
    }
    parts.push(&image[pos..]);
    alg.digest(&parts)
}

/// One WIN_CERTIFICATE entry of type PKCS_SIGNED_DATA.
struct Entry<'a> {
    /// The bCertificate bytes (the PKCS#7 ContentInfo, maybe padded).
    blob: &'a [u8],
}

/// Walks the certificate table. Errors are reasons for `Invalid`.
fn cert_entries(table: &[u8]) -> Result<Vec<Entry<'_>>, String> {
    let mut out = Vec::new();
    let mut pos = 0usize;
    while pos < table.len() {
        if out.len() >= MAX_ENTRIES {
            break;
        }
        let rest = &table[pos..];
        if rest.iter().all(|&b| b == 0) {
            break; // alignment padding
        }
        let (Some(len), Some(rev), Some(kind)) =
            (u32_at(rest, 0), u16_at(rest, 4), u16_at(rest, 6))
        else {
            return Err("truncated WIN_CERTIFICATE header".to_string());
        };
        let len = len as usize;
        if len <= 8 || len > rest.len() {
            return Err(format!(
                "WIN_CERTIFICATE length {len} does not fit the certificate table"
            ));
        }
        if rev == WIN_CERT_REVISION_2_0 && kind == WIN_CERT_TYPE_PKCS_SIGNED_DATA {
            out.push(Entry {
                blob: &rest[8..len],
            });
        }
        pos += len.div_ceil(8) * 8;
    }
    if out.is_empty() {
        return Err("the certificate table holds no PKCS#7 signature".to_string());
    }
    Ok(out)
}

/// Authenticode's `SpcIndirectDataContent` (only the digest is needed).
#[derive(Debug, der::Sequence)]
struct SpcIndirectDataContent {
    data: der::Any,
    message_digest: DigestInfo,
}

/// PKCS#1 / Authenticode `DigestInfo`.
#[derive(Debug, der::Sequence)]
struct DigestInfo {
    digest_algorithm: AlgorithmIdentifierOwned,
    digest: OctetString,
}

/// A certificate of the signature's bag, with its encodings.
struct BagCert {
    cert: Certificate,
    der: Vec<u8>,
    tbs: Vec<u8>,
    subject_der: Vec<u8>,
    issuer_der: Vec<u8>,
}

impl BagCert {
    fn new(cert: Certificate) -> Option<BagCert> {
        let tbs = &cert.tbs_certificate;
        Some(BagCert {
            der: cert.to_der().ok()?,
            tbs: tbs.to_der().ok()?,
            subject_der: tbs.subject.to_der().ok()?,
            issuer_der: tbs.issuer.to_der().ok()?,
            cert,
        })
    }

    fn name(&self) -> String {
        display_name(&self.cert.tbs_certificate.subject)
    }

    fn spki(&self) -> &SubjectPublicKeyInfoOwned {
        &self.cert.tbs_certificate.subject_public_key_info
    }

    /// Whether `issuer`'s key verifies this certificate's signature.
    fn signed_by(&self, issuer: &SubjectPublicKeyInfoOwned) -> bool {
        let Some(sig) = self.cert.signature.as_bytes() else {
            return false;
        };
        verify_signature(issuer, &self.cert.signature_algorithm, None, &self.tbs, sig).is_ok()
    }
}

/// The outcome of one signature, before it is turned into ImageSignature.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Valid {
        signer: String,
        chain_top: String,
        anchored: bool,
    },
    Invalid {
        reason: String,
        signer: Option<String>,
    },
}

/// Verifies the Authenticode signature of a PE image against `roots`.
///
/// Bytes in, verdict out: bounded work, no panics on hostile input. See the
/// module documentation for what is and is not checked.
pub fn verify(image: &[u8], roots: &TrustedRoots) -> ImageSignature {
    let layout = match parse_pe(image) {
        Err(reason) => return ImageSignature::NotPe(reason),
        Ok(Err(reason)) => {
            return ImageSignature::Invalid {
                reason,
                signer: None,
            }
        }
        Ok(Ok(layout)) => layout,
    };
    let Some((off, size)) = layout.cert_table else {
        return ImageSignature::Unsigned;
    };
    let entries = match cert_entries(&image[off..off + size]) {
        Ok(e) => e,
        Err(reason) => {
            return ImageSignature::Invalid {
                reason,
                signer: None,
            }
        }
    };
    let mut best: Option<Outcome> = None;
    for entry in entries {
        let outcome = verify_entry(image, &layout, entry.blob, roots);
        let better = match (&best, &outcome) {
            (None, _) => true,
            (Some(Outcome::Invalid { .. }), Outcome::Valid { .. }) => true,
            (
                Some(Outcome::Valid {
                    anchored: false, ..
                }),
                Outcome::Valid { anchored: true, .. },
            ) => true,
            _ => false,
        };
        if better {
            best = Some(outcome);
        }
    }
    match best {
        Some(Outcome::Valid {
            signer,
            chain_top,
            anchored,
        }) => ImageSignature::Valid {
            signer,
            chain_top,
            microsoft_root: anchored,
        },
        Some(Outcome::Invalid { reason, signer }) => ImageSignature::Invalid { reason, signer },
        None => ImageSignature::Invalid {
            reason: "the certificate table holds no PKCS#7 signature".to_string(),
            signer: None,
        },
    }
}

fn invalid(reason: impl Into<String>, signer: Option<String>) -> Outcome {
    Outcome::Invalid {
        reason: reason.into(),
        signer,
    }
}

/// Verifies one PKCS#7 SignedData blob from the certificate table.
fn verify_entry(image: &[u8], layout: &PeLayout, blob: &[u8], roots: &TrustedRoots) -> Outcome {
    // The blob may carry zero padding after the DER ContentInfo; anything
    // else there would be data no signature covers (CVE-2013-3900).
    let Some(der_len) = der_tlv_len(blob) else {
        return invalid("the PKCS#7 signature is not DER", None);
    };
    if blob[der_len..].iter().any(|&b| b != 0) {
        return invalid(
            format!(
                "{} bytes after the PKCS#7 signature inside the certificate table are not \
                 covered by any signature",
                blob.len() - der_len
            ),
            None,
        );
    }
    let ci = match ContentInfo::from_der(&blob[..der_len]) {
        Ok(ci) => ci,
        Err(e) => return invalid(format!("the PKCS#7 ContentInfo does not parse: {e}"), None),
    };
    if ci.content_type != OID_SIGNED_DATA {
        return invalid(
            format!(
                "the PKCS#7 content type is {}, not signedData",
                ci.content_type
            ),
            None,
        );
    }
    let sd: SignedData = match ci.content.decode_as() {
        Ok(sd) => sd,
        Err(e) => return invalid(format!("the PKCS#7 SignedData does not parse: {e}"), None),
    };

    // Certificates carried by the signature.
    let bag: Vec<BagCert> = sd
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|c| match c {
            CertificateChoices::Certificate(c) => BagCert::new(c.clone()),
            CertificateChoices::Other(_) => None,
        })
        .take(MAX_CERTS)
        .collect();

    // The signer and its certificate.
    let mut infos = sd.signer_infos.0.iter();
    let (Some(si), None) = (infos.next(), infos.next()) else {
        return invalid("the signature must have exactly one SignerInfo", None);
    };
    let Some(signer_idx) = find_signer(&bag, si) else {
        return invalid("the signer certificate is not in the signature", None);
    };
    let signer_name = bag[signer_idx].name();
    let named = Some(signer_name.clone());

    // The image digest.
    let eci = &sd.encap_content_info;
    if eci.econtent_type != OID_SPC_INDIRECT_DATA {
        return invalid(
            format!(
                "the signed content is {}, not SpcIndirectDataContent",
                eci.econtent_type
            ),
            named,
        );
    }
    let Some(econtent) = &eci.econtent else {
        return invalid("the signature has no signed content", named);
    };
    let spc: SpcIndirectDataContent = match econtent.decode_as() {
        Ok(s) => s,
        Err(e) => return invalid(format!("SpcIndirectDataContent does not parse: {e}"), named),
    };
    let di = &spc.message_digest;
    let Some(image_alg) = HashAlg::from_oid(&di.digest_algorithm.oid) else {
        return invalid(
            format!(
                "unsupported image digest algorithm {}",
                di.digest_algorithm.oid
            ),
            named,
        );
    };
    if image_digest(image, layout, image_alg) != di.digest.as_bytes() {
        return invalid(REASON_IMAGE_DIGEST, named);
    }

    // The signer's signature over the signed attributes.
    let Some(si_alg) = HashAlg::from_oid(&si.digest_alg.oid) else {
        return invalid(
            format!("unsupported signer digest algorithm {}", si.digest_alg.oid),
            named,
        );
    };
    let Some(attrs) = &si.signed_attrs else {
        return invalid("the SignerInfo has no signed attributes", named);
    };
    let attr_value = |oid: ObjectIdentifier| {
        let mut found = attrs.iter().filter(|a| a.oid == oid);
        match (found.next(), found.next()) {
            (Some(a), None) if a.values.len() == 1 => a.values.get(0).cloned(),
            _ => None,
        }
    };
    match attr_value(OID_CONTENT_TYPE).and_then(|v| v.decode_as::<ObjectIdentifier>().ok()) {
        Some(oid) if oid == OID_SPC_INDIRECT_DATA => {}
        _ => {
            return invalid(
                "the signed contentType attribute is missing or not SpcIndirectDataContent",
                named,
            )
        }
    }
    let Some(md) = attr_value(OID_MESSAGE_DIGEST).and_then(|v| v.decode_as::<OctetString>().ok())
    else {
        return invalid("the signed messageDigest attribute is missing", named);
    };
    // PKCS#7 v1.5: the digest covers the content octets of the [0] EXPLICIT
    // content, i.e. the SpcIndirectDataContent without its SEQUENCE header.
    if si_alg.digest(&[econtent.value()]) != md.as_bytes() {
        return invalid(
            "the signed messageDigest does not match the signed content",
            named,
        );
    }
    let Ok(signed) = attrs.to_der() else {
        return invalid("the signed attributes do not encode", named);
    };
    if let Err(why) = verify_signature(
        bag[signer_idx].spki(),
        &si.signature_algorithm,
        Some(si_alg),
        &signed,
        si.signature.as_bytes(),
    ) {
        return invalid(format!("signer signature does not verify ({why})"), named);
    }

    match build_chain(&bag, signer_idx, roots) {
        Ok((chain_top, anchored)) => Outcome::Valid {
            signer: signer_name,
            chain_top,
            anchored,
        },
        Err(reason) => invalid(reason, named),
    }
}

/// The total length (header + value) of the DER element at the start.
fn der_tlv_len(bytes: &[u8]) -> Option<usize> {
    let mut reader = der::SliceReader::new(bytes).ok()?;
    let header = der::Header::decode(&mut reader).ok()?;
    let header_len: usize = header.encoded_len().ok()?.try_into().ok()?;
    let value_len: usize = header.length.try_into().ok()?;
    let total = header_len.checked_add(value_len)?;
    (total <= bytes.len()).then_some(total)
}

/// Finds the signer certificate named by the SignerInfo.
fn find_signer(bag: &[BagCert], si: &SignerInfo) -> Option<usize> {
    match &si.sid {
        SignerIdentifier::IssuerAndSerialNumber(ias) => {
            let issuer = ias.issuer.to_der().ok()?;
            bag.iter().position(|c| {
                c.issuer_der == issuer && c.cert.tbs_certificate.serial_number == ias.serial_number
            })
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => bag.iter().position(|c| {
            c.cert
                .tbs_certificate
                .get::<x509_cert::ext::pkix::SubjectKeyIdentifier>()
                .ok()
                .flatten()
                .is_some_and(|(_, k)| k.0 == ski.0)
        }),
    }
}

/// Walks from the signer to the top of the chain. Returns the top's display
/// name and whether a trusted root anchors it.
fn build_chain(
    bag: &[BagCert],
    signer: usize,
    roots: &TrustedRoots,
) -> Result<(String, bool), String> {
    let mut used = vec![false; bag.len()];
    let mut cur = signer;
    for _ in 0..MAX_CHAIN {
        used[cur] = true;
        let c = &bag[cur];
        // The certificate is itself a trust anchor.
        if let Some(r) = roots.roots.iter().find(|r| r.der == c.der) {
            return Ok((r.subject.clone(), true));
        }
        // A trust anchor issued it.
        let claimed: Vec<&Root> = roots
            .roots
            .iter()
            .filter(|r| r.subject_der == c.issuer_der)
            .collect();
        if !claimed.is_empty() {
            return match claimed.iter().find(|r| c.signed_by(&r.spki)) {
                Some(r) => Ok((r.subject.clone(), true)),
                None => Err(format!(
                    "certificate {} names trusted root {} as issuer but is not signed by it",
                    c.name(),
                    claimed[0].subject
                )),
            };
        }
        if c.issuer_der == c.subject_der {
            if !c.signed_by(c.spki()) {
                return Err(format!(
                    "self-signed certificate {} does not verify",
                    c.name()
                ));
            }
            return Ok((c.name(), false));
        }
        let candidates: Vec<usize> = (0..bag.len())
            .filter(|&i| !used[i] && bag[i].subject_der == c.issuer_der)
            .collect();
        if candidates.is_empty() {
            return Ok((c.name(), false));
        }
        match candidates.iter().find(|&&i| c.signed_by(bag[i].spki())) {
            Some(&i) => cur = i,
            None => {
                return Err(format!(
                    "certificate {} not signed by its issuer {}",
                    c.name(),
                    bag[candidates[0]].name()
                ))
            }
        }
    }
    Err("certificate chain too long".to_string())
}

/// Verifies `sig` over `msg` with the key in `spki`. The hash comes from a
/// combined signature algorithm (sha256WithRSAEncryption, ecdsa-with-SHA384)
/// or, for bare rsaEncryption/ecPublicKey, from `hash_hint`.
fn verify_signature(
    spki: &SubjectPublicKeyInfoOwned,
    sig_alg: &AlgorithmIdentifierOwned,
    hash_hint: Option<HashAlg>,
    msg: &[u8],
    sig: &[u8],
) -> Result<(), String> {
    let hash = match sig_alg.oid {
        OID_SHA1_RSA | OID_ECDSA_SHA1 => Some(HashAlg::Sha1),
        OID_SHA256_RSA | OID_ECDSA_SHA256 => Some(HashAlg::Sha256),
        OID_SHA384_RSA | OID_ECDSA_SHA384 => Some(HashAlg::Sha384),
        OID_SHA512_RSA | OID_ECDSA_SHA512 => Some(HashAlg::Sha512),
        OID_RSA | OID_EC_PUBLIC_KEY => hash_hint,
        _ => None,
    }
    .ok_or_else(|| format!("unsupported signature algorithm {}", sig_alg.oid))?;
    let hashed = hash.digest(&[msg]);
    let key = spki
        .subject_public_key
        .as_bytes()
        .ok_or("public key is not a whole number of bytes")?;
    match spki.algorithm.oid {
        OID_RSA => {
            use rsa::pkcs1::DecodeRsaPublicKey;
            use rsa::Pkcs1v15Sign;
            let pk = rsa::RsaPublicKey::from_pkcs1_der(key).map_err(|e| format!("RSA key: {e}"))?;
            let scheme = match hash {
                HashAlg::Sha1 => Pkcs1v15Sign::new::<Sha1>(),
                HashAlg::Sha256 => Pkcs1v15Sign::new::<Sha256>(),
                HashAlg::Sha384 => Pkcs1v15Sign::new::<Sha384>(),
                HashAlg::Sha512 => Pkcs1v15Sign::new::<Sha512>(),
            };
            pk.verify(scheme, &hashed, sig)
                .map_err(|_| "RSA signature mismatch".to_string())
        }
        OID_EC_PUBLIC_KEY => {
            use p256::ecdsa::signature::hazmat::PrehashVerifier;
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
            match curve {
                Some(OID_P256) => {
                    let vk = p256::ecdsa::VerifyingKey::from_sec1_bytes(key)
                        .map_err(|_| "bad P-256 key")?;
                    let s = p256::ecdsa::DerSignature::from_bytes(sig)
                        .map_err(|_| "bad ECDSA signature")?;
                    vk.verify_prehash(&hashed, &s)
                        .map_err(|_| "ECDSA signature mismatch".to_string())
                }
                Some(OID_P384) => {
                    let vk = p384::ecdsa::VerifyingKey::from_sec1_bytes(key)
                        .map_err(|_| "bad P-384 key")?;
                    let s = p384::ecdsa::DerSignature::from_bytes(sig)
                        .map_err(|_| "bad ECDSA signature")?;
                    vk.verify_prehash(&hashed, &s)
                        .map_err(|_| "ECDSA signature mismatch".to_string())
                }
                _ => Err("unsupported elliptic curve".to_string()),
            }
        }
        other => Err(format!("unsupported public key algorithm {other}")),
    }
}

/// A name for display: its CN, else its O, else the RFC 4514 string.
fn display_name(name: &Name) -> String {
    let find = |oid: ObjectIdentifier| {
        name.0
            .iter()
            .flat_map(|rdn| rdn.0.iter())
            .find(|atv| atv.oid == oid)
            .and_then(|atv| directory_string(&atv.value))
    };
    let mut s = find(OID_CN)
        .or_else(|| find(OID_O))
        .unwrap_or_else(|| name.to_string());
    if s.chars().count() > MAX_NAME {
        s = s.chars().take(MAX_NAME).collect();
    }
    s
}

/// Decodes an X.520 DirectoryString (and IA5String) to text.
fn directory_string(value: &der::Any) -> Option<String> {
    let bytes = value.value();
    match value.tag() {
        Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::TeletexString => {
            Some(String::from_utf8_lossy(bytes).into_owned())
        }
        Tag::BmpString => {
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            Some(String::from_utf16_lossy(&units))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/authenticode/");
    const MS_ROOTS: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../rules/known-good/microsoft-roots.pem"
    ));
    const SHIM_SIGNER: &str = "Microsoft Windows UEFI Driver Publisher";

    fn read(name: &str) -> Vec<u8> {
        std::fs::read(format!("{DATA}{name}")).expect("test file")
    }

    fn ms_roots() -> TrustedRoots {
        TrustedRoots::from_pem(MS_ROOTS).expect("microsoft-roots.pem parses")
    }

    fn test_roots() -> TrustedRoots {
        let pem = std::fs::read_to_string(format!("{DATA}test-root.pem")).expect("test root");
        TrustedRoots::from_pem(&pem).expect("test-root.pem parses")
    }

    fn valid(signer: &str, chain_top: &str, microsoft_root: bool) -> ImageSignature {
        ImageSignature::Valid {
            signer: signer.to_string(),
            chain_top: chain_top.to_string(),
            microsoft_root,
        }
    }

    fn invalid_sig(reason: &str, signer: &str) -> ImageSignature {
        ImageSignature::Invalid {
            reason: reason.to_string(),
            signer: Some(signer.to_string()),
        }
    }

    /// (file offset, size) of a section's raw data, by name.
    fn section(image: &[u8], name: &[u8]) -> (usize, usize) {
        let pe = u32_at(image, 0x3c).unwrap() as usize;
        let count = u16_at(image, pe + 6).unwrap() as usize;
        let table = pe + 24 + u16_at(image, pe + 20).unwrap() as usize;
        (0..count)
            .map(|i| table + 40 * i)
            .find(|&h| image[h..h + 8].starts_with(name))
            .map(|h| {
                let size = u32_at(image, h + 16).unwrap() as usize;
                let off = u32_at(image, h + 20).unwrap() as usize;
                (off, size)
            })
            .expect("section")
    }

    /// The first PKCS#7 blob of the certificate table, as a file range.
    fn first_blob(image: &[u8]) -> (usize, usize) {
        let layout = parse_pe(image).unwrap().unwrap();
        let (off, _) = layout.cert_table.unwrap();
        let len = der_tlv_len(&image[off + 8..]).unwrap();
        (off + 8, len)
    }

    /// Removes the certificate table the way `osslsigncode remove-signature`
    /// does: clear the directory entry and cut the file.
    fn strip(image: &[u8]) -> Vec<u8> {
        let layout = parse_pe(image).unwrap().unwrap();
        let (off, _) = layout.cert_table.unwrap();
        let mut out = image[..off].to_vec();
        let dir = layout.security_dir.unwrap();
        out[dir..dir + 8].fill(0);
        out
    }

    #[test]
    fn microsoft_roots_file_parses() {
        let roots = ms_roots();
        assert_eq!(
            roots.subjects().collect::<Vec<_>>(),
            [
                "Microsoft Root Authority",
                "Microsoft Root Certificate Authority",
                "Microsoft Root Certificate Authority 2010",
                "Microsoft Root Certificate Authority 2011",
                "Microsoft Corporation UEFI CA 2011",
                "Microsoft UEFI CA 2023",
            ]
        );
        // Every anchor is an RSA key we can use.
        for r in &roots.roots {
            assert_eq!(r.spki.algorithm.oid, OID_RSA, "{}", r.subject);
        }
    }

    #[test]
    fn bad_pem_is_an_error() {
        assert!(TrustedRoots::from_pem("").is_err());
        assert!(TrustedRoots::from_pem("# only a comment\n").is_err());
        let broken = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert!(TrustedRoots::from_pem(broken).is_err());
        let open = "-----BEGIN CERTIFICATE-----\nMIIB\n";
        assert!(TrustedRoots::from_pem(open).is_err());
    }

    #[test]
    fn shim_signed_by_microsoft_is_valid_and_anchored() {
        let shim = read("shimx64.efi.signed");
        assert_eq!(
            verify(&shim, &ms_roots()),
            valid(SHIM_SIGNER, "Microsoft Corporation UEFI CA 2011", true)
        );
        // Without the anchors the chain still verifies, up to the last
        // certificate the signature carries.
        assert_eq!(
            verify(&shim, &TrustedRoots::default()),
            valid(SHIM_SIGNER, "Microsoft Corporation UEFI CA 2011", false)
        );
    }

    #[test]
    fn shim_carries_two_signatures_both_valid() {
        let shim = read("shimx64.efi.signed");
        let layout = parse_pe(&shim).unwrap().unwrap();
        let (off, size) = layout.cert_table.unwrap();
        let entries = cert_entries(&shim[off..off + size]).unwrap();
        assert_eq!(entries.len(), 2);
        let roots = ms_roots();
        let got: Vec<Outcome> = entries
            .iter()
            .map(|e| verify_entry(&shim, &layout, e.blob, &roots))
            .collect();
        assert_eq!(
            got,
            [
                Outcome::Valid {
                    signer: SHIM_SIGNER.to_string(),
                    chain_top: "Microsoft Corporation UEFI CA 2011".to_string(),
                    anchored: true,
                },
                Outcome::Valid {
                    signer: "Microsoft UEFI CA 2023 signer".to_string(),
                    chain_top: "Microsoft UEFI CA 2023".to_string(),
                    anchored: true,
                },
            ]
        );
    }

    /// PKCS#7 v1.5 / Authenticode: messageDigest covers the content octets of
    /// SpcIndirectDataContent, not its whole DER (checked on the real shim).
    #[test]
    fn message_digest_covers_content_octets() {
        let shim = read("shimx64.efi.signed");
        let (off, len) = first_blob(&shim);
        let ci = ContentInfo::from_der(&shim[off..off + len]).unwrap();
        let sd: SignedData = ci.content.decode_as().unwrap();
        let econtent = sd.encap_content_info.econtent.unwrap();
        let si = sd.signer_infos.0.get(0).unwrap();
        let md = si
            .signed_attrs
            .as_ref()
            .unwrap()
            .iter()
            .find(|a| a.oid == OID_MESSAGE_DIGEST)
            .unwrap()
            .values
            .get(0)
            .unwrap()
            .decode_as::<OctetString>()
            .unwrap();
        assert_eq!(HashAlg::Sha256.digest(&[econtent.value()]), md.as_bytes());
        assert_ne!(
            HashAlg::Sha256.digest(&[&econtent.to_der().unwrap()]),
            md.as_bytes()
        );
    }

    #[test]
    fn shim_tampered_code_is_invalid() {
        let mut shim = read("shimx64.efi.signed");
        let (text, size) = section(&shim, b".text");
        assert!(size > 0x200);
        shim[text + 0x100] ^= 0x01;
        assert_eq!(
            verify(&shim, &ms_roots()),
            invalid_sig(REASON_IMAGE_DIGEST, SHIM_SIGNER)
        );
    }

    #[test]
    fn checksum_is_not_hashed() {
        let mut shim = read("shimx64.efi.signed");
        let layout = parse_pe(&shim).unwrap().unwrap();
        shim[layout.checksum..layout.checksum + 4].copy_from_slice(&[1, 2, 3, 4]);
        assert_eq!(
            verify(&shim, &ms_roots()),
            valid(SHIM_SIGNER, "Microsoft Corporation UEFI CA 2011", true)
        );
    }

    #[test]
    fn shim_stripped_is_unsigned() {
        let shim = read("shimx64.efi.signed");
        assert_eq!(verify(&strip(&shim), &ms_roots()), ImageSignature::Unsigned);
    }

    #[test]
    fn self_made_ca_rsa_sha256() {
        let dll = read("tiny-signed-rsa.dll");
        assert_eq!(
            verify(&dll, &ms_roots()),
            valid("Ferret Test Signer", "Ferret Test Root CA", false)
        );
        assert_eq!(
            verify(&dll, &test_roots()),
            valid("Ferret Test Signer", "Ferret Test Root CA", true)
        );
    }

    #[test]
    fn self_made_ca_sha1_and_ecdsa() {
        assert_eq!(
            verify(&read("tiny-signed-sha1.dll"), &ms_roots()),
            valid("Ferret Test Signer", "Ferret Test Root CA", false)
        );
        assert_eq!(
            verify(&read("tiny-signed-ec.dll"), &test_roots()),
            valid("Ferret Test EC Signer", "Ferret Test Root CA", true)
        );
    }

    #[test]
    fn self_made_tampered_and_stripped() {
        for (name, signer) in [
            ("tiny-signed-rsa.dll", "Ferret Test Signer"),
            ("tiny-signed-sha1.dll", "Ferret Test Signer"),
            ("tiny-signed-ec.dll", "Ferret Test EC Signer"),
        ] {
            let dll = read(name);
            let (text, _) = section(&dll, b".text");
            let mut bad = dll.clone();
            bad[text] ^= 0x80;
            assert_eq!(
                verify(&bad, &ms_roots()),
                invalid_sig(REASON_IMAGE_DIGEST, signer),
                "{name}"
            );
            assert_eq!(verify(&strip(&dll), &ms_roots()), ImageSignature::Unsigned);
        }
        assert_eq!(
            verify(&read("tiny.dll"), &ms_roots()),
            ImageSignature::Unsigned
        );
    }

    #[test]
    fn data_appended_after_the_table_breaks_the_digest() {
        let mut dll = read("tiny-signed-rsa.dll");
        dll.extend_from_slice(b"payload");
        assert_eq!(
            verify(&dll, &ms_roots()),
            invalid_sig(REASON_IMAGE_DIGEST, "Ferret Test Signer")
        );
    }

    #[test]
    fn data_stuffed_into_the_table_is_invalid() {
        // Grow the WIN_CERTIFICATE entry and the directory size over extra
        // bytes, the CVE-2013-3900 trick.
        let mut dll = read("tiny-signed-rsa.dll");
        let layout = parse_pe(&dll).unwrap().unwrap();
        let (off, size) = layout.cert_table.unwrap();
        assert_eq!(off + size, dll.len());
        dll.extend_from_slice(b"EVIL\0\0\0\0");
        let dir = layout.security_dir.unwrap();
        dll[dir + 4..dir + 8].copy_from_slice(&((size + 8) as u32).to_le_bytes());
        let entry_len = u32_at(&dll, off).unwrap() + 8;
        dll[off..off + 4].copy_from_slice(&entry_len.to_le_bytes());
        match verify(&dll, &ms_roots()) {
            ImageSignature::Invalid { reason, .. } => {
                assert!(reason.contains("not covered by any signature"), "{reason}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn forged_signer_signature_is_invalid() {
        let mut dll = read("tiny-signed-rsa.dll");
        let (off, len) = first_blob(&dll);
        // osslsigncode without a timestamp: the RSA signature value is the
        // last element of the blob.
        dll[off + len - 10] ^= 0x01;
        match verify(&dll, &ms_roots()) {
            ImageSignature::Invalid { reason, signer } => {
                assert!(
                    reason.starts_with("signer signature does not verify"),
                    "{reason}"
                );
                assert_eq!(signer.as_deref(), Some("Ferret Test Signer"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn broken_chain_is_invalid() {
        let dll = read("tiny-signed-rsa.dll");
        let (off, len) = first_blob(&dll);
        let ci = ContentInfo::from_der(&dll[off..off + len]).unwrap();
        let sd: SignedData = ci.content.decode_as().unwrap();
        let inter = sd
            .certificates
            .unwrap()
            .0
            .iter()
            .filter_map(|c| match c {
                CertificateChoices::Certificate(c) => BagCert::new(c.clone()),
                _ => None,
            })
            .find(|c| c.name() == "Ferret Test Code Signing CA")
            .unwrap();
        let at = dll
            .windows(inter.der.len())
            .position(|w| w == inter.der)
            .unwrap();
        let mut bad = dll.clone();
        bad[at + inter.der.len() - 5] ^= 0x01; // its signature value
        assert_eq!(
            verify(&bad, &ms_roots()),
            invalid_sig(
                "certificate Ferret Test Code Signing CA not signed by its issuer \
                 Ferret Test Root CA",
                "Ferret Test Signer"
            )
        );
        assert_eq!(
            verify(&bad, &test_roots()),
            invalid_sig(
                "certificate Ferret Test Code Signing CA names trusted root \
                 Ferret Test Root CA as issuer but is not signed by it",
                "Ferret Test Signer"
            )
        );
    }

    #[test]
    fn not_pe() {
        let r = ms_roots();
        assert_eq!(
            verify(b"", &r),
            ImageSignature::NotPe("no MZ header".into())
        );
        assert_eq!(
            verify(&[0u8; 4096], &r),
            ImageSignature::NotPe("no MZ header".into())
        );
        let mut mz = vec![0u8; 0x80];
        mz[..2].copy_from_slice(b"MZ");
        mz[0x3c] = 0x40;
        assert_eq!(
            verify(&mz, &r),
            ImageSignature::NotPe("no PE signature at e_lfanew 0x40".into())
        );
        let text = b"#!/bin/sh\necho hi\n".repeat(10);
        assert!(matches!(verify(&text, &r), ImageSignature::NotPe(_)));
    }

    #[test]
    fn truncated_files_never_panic() {
        let roots = ms_roots();
        for name in ["tiny-signed-rsa.dll", "tiny-signed-ec.dll", "tiny.dll"] {
            let dll = read(name);
            for cut in (0..dll.len()).step_by(7) {
                let got = verify(&dll[..cut], &roots);
                assert!(
                    !matches!(got, ImageSignature::Valid { .. }),
                    "{name} cut at {cut}: {got:?}"
                );
            }
        }
        // Exact expectations at a few points.
        let dll = read("tiny-signed-rsa.dll");
        assert!(matches!(
            verify(&dll[..30], &roots),
            ImageSignature::NotPe(_)
        ));
        match verify(&dll[..dll.len() - 1], &roots) {
            ImageSignature::Invalid {
                reason,
                signer: None,
            } => {
                assert!(reason.starts_with("certificate table"), "{reason}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn random_and_mutated_bytes_never_panic() {
        let roots = ms_roots();
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for len in [0usize, 1, 63, 64, 512, 4096] {
            let buf: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            assert!(matches!(verify(&buf, &roots), ImageSignature::NotPe(_)));
        }
        // Byte flips all over a signed file, headers and signature included.
        let dll = read("tiny-signed-ec.dll");
        for _ in 0..400 {
            let mut m = dll.clone();
            for _ in 0..3 {
                let at = (next() as usize) % m.len();
                m[at] = next() as u8;
            }
            let _ = verify(&m, &roots);
        }
    }
}
