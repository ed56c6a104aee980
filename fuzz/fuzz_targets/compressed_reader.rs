//! gzip, zstd and bzip2 corpus files through `Corpus::read`: an error or a
//! corpus, never a panic or a hang, and a valid stream reads exactly as the
//! plain text it holds.
//!
//! The first byte picks the mode (bit 7), the read (bit 6: strict or
//! `skip_invalid`) and the format (the low bits):
//! - crafted stream: the format's magic bytes, then the rest of the input
//!   (a corrupt, truncated or hand-made stream for the decoder); gzip, zstd
//!   and bzip2 a third each;
//! - valid stream: the rest of the input compressed by the format's own
//!   encoder; the read must succeed or fail exactly as the same read of the
//!   plain rest does, with the same documents and the same skipped lines.
//!   bzip2 gets one valid input in five, gzip and zstd two each: its encoder
//!   (a block sort and six Huffman tables per stream, all instrumented for
//!   coverage) cost more than everything else together when it had a third.
//!
//! One read per input (not both kinds): each input costs half as much, and
//! the fuzzer still tries both kinds on every path.
#![no_main]

use std::io::Write;

use echodup::io::{Corpus, ReadOptions};
use echodup_fuzz::{detected_as_compressed, write_scratch};
use libfuzzer_sys::fuzz_target;

const BZ_BLOCK: [u8; 6] = [0x31, 0x41, 0x59, 0x26, 0x53, 0x59];
const BZ_END: [u8; 6] = [0x17, 0x72, 0x45, 0x38, 0x50, 0x90];

fn crafted(format: u8, rest: &[u8]) -> Vec<u8> {
    let mut file = Vec::with_capacity(rest.len() + 10);
    match format {
        0 => file.extend_from_slice(&[0x1f, 0x8b]),
        1 => file.extend_from_slice(&[0x28, 0xb5, 0x2f, 0xfd]),
        _ => {
            // "BZh", a block size digit and a block (or end) magic, so that
            // the reader takes it for bzip2; the next byte chooses them.
            let choice = rest.first().copied().unwrap_or(0);
            file.extend_from_slice(b"BZh");
            file.push(b'1' + choice % 9);
            file.extend_from_slice(if choice & 0x80 == 0 {
                &BZ_BLOCK
            } else {
                &BZ_END
            });
            return [file, rest.get(1..).unwrap_or_default().to_vec()].concat();
        }
    }
    file.extend_from_slice(rest);
    file
}

fn encoded(format: u8, plain: &[u8]) -> Vec<u8> {
    match format {
        0 => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(plain).unwrap();
            e.finish().unwrap()
        }
        1 => zstd::encode_all(plain, 1).unwrap(),
        _ => {
            let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
            e.write_all(plain).unwrap();
            e.finish().unwrap()
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&head, rest)) = data.split_first() else {
        return;
    };
    let options = ReadOptions::new()
        .id_field(Some("id"))
        .skip_invalid(head & 0x40 != 0);
    let low = head & 0x3f;
    if head & 0x80 == 0 {
        let path = write_scratch("crafted.jsonl", &crafted(low % 3, rest));
        let _ = Corpus::read(&[&path], &options);
        return;
    }
    let format = [0, 1, 0, 1, 2][(low % 5) as usize];
    if detected_as_compressed(rest) {
        // The plain side would itself be decoded; nothing to compare with.
        return;
    }
    let packed = write_scratch("valid.jsonl", &encoded(format, rest));
    let plain = write_scratch("plain.jsonl", rest);
    let from_packed = Corpus::read(&[&packed], &options);
    let from_plain = Corpus::read(&[&plain], &options);
    match (from_packed, from_plain) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a.len(), b.len(), "a different number of documents");
            assert_eq!(a.skipped().len(), b.skipped().len());
            for (x, y) in a.documents().iter().zip(b.documents()) {
                assert_eq!(x.id(), y.id());
                assert_eq!(x.text(), y.text());
            }
        }
        (Err(_), Err(_)) => {}
        (Ok(_), Err(e)) => panic!("only the plain read failed: {e}"),
        (Err(e), Ok(_)) => panic!("only the compressed read failed: {e}"),
    }
});
