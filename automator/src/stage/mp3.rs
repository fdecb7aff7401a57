//! The mix files: a valid MP3 of realistic size (an ID3v2.4 tag recording the mix, then
//! repeated silent MPEG-1 Layer III frames, generated on the fly per chunk so a 15 MB mix
//! costs no memory), and a reader that validates a file and returns its mix tag, so a
//! downloaded file can be checked for being complete and the right mix.

use serde::Serialize;

/// MPEG-1 Layer III, no CRC; 128 kbit/s, 44.1 kHz, no padding; mono, original.
const FRAME_HEADER: [u8; 4] = [0xFF, 0xFB, 0x90, 0xC4];
/// 144 × 128000 / 44100, rounded down (no padding bit).
const FRAME_LEN: usize = 417;
/// About one second of audio (1152 samples per frame).
const AUDIO_FRAMES: usize = 38;

/// What a mix file says about itself (written to and read from its ID3 tag).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MixTag {
    /// Artist (TPE1).
    pub artist: String,
    /// Song title (TALB).
    pub song: String,
    /// Title shown by players (TIT2), e.g. `Song (Lead Vocal Custom Backing Track)`.
    pub title: String,
    /// The soloed track's name; `None` for the full mix (TXXX `STAGE_SOLO`).
    pub solo: Option<String>,
    /// Key shift in semitones (TXXX `STAGE_KEY`).
    pub key: i32,
    /// Intro count on/off (TXXX `STAGE_PRECOUNT`).
    pub precount: bool,
    /// The stage's mix id (TXXX `STAGE_MIX_ID`).
    pub mix_id: u64,
    /// Number of MPEG audio frames after the tag (filled in by [`read_mix_tag`]).
    pub audio_frames: usize,
}

/// Why a file is not a valid, complete stage mix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Mp3Error {
    /// No `ID3` header at the start.
    #[error("not a tagged MP3: the file does not start with an ID3v2 header")]
    NoId3Tag,
    /// An ID3 version other than 2.3 / 2.4.
    #[error("unsupported ID3 version 2.{0} (expected 2.3 or 2.4)")]
    UnsupportedVersion(u8),
    /// The file ends inside the tag or inside an audio frame (e.g. a cut download).
    #[error("MP3 is truncated: it ends inside {0}")]
    Truncated(&'static str),
    /// Bytes after the tag are not an MPEG-1 Layer III frame.
    #[error("no valid MPEG-1 Layer III frame at byte {0}")]
    BadFrame(usize),
    /// The tag is valid but lacks a field every stage mix has.
    #[error("MP3 tag has no {0}; this is not a stage mix")]
    MissingField(&'static str),
    /// A text frame is not UTF-8/Latin-1 or a value does not parse.
    #[error("MP3 tag field {0} is malformed")]
    BadField(&'static str),
}

/// A mix file: its tag bytes and how many silent frames follow. Cheap to clone; its bytes are
/// produced per range ([`MixFile::bytes`]) instead of held in memory.
#[derive(Debug, Clone)]
pub(crate) struct MixFile {
    head: std::sync::Arc<[u8]>,
    frames: usize,
}

impl MixFile {
    /// The mix with `tag`, padded with silent frames to about `audio_bytes` (at least one frame).
    pub(crate) fn new(tag: &MixTag, audio_bytes: u64) -> MixFile {
        let mut head = encode_mix(tag);
        head.truncate(head.len() - AUDIO_FRAMES * FRAME_LEN);
        MixFile {
            head: head.into(),
            frames: usize::try_from(audio_bytes / FRAME_LEN as u64)
                .unwrap_or(usize::MAX)
                .max(1),
        }
    }

    /// Total size in bytes.
    pub(crate) fn len(&self) -> usize {
        self.head.len() + self.frames * FRAME_LEN
    }

    /// The bytes of `range` (clamped to the file).
    pub(crate) fn bytes(&self, range: std::ops::Range<usize>) -> Vec<u8> {
        let end = range.end.min(self.len());
        let mut out = Vec::with_capacity(end.saturating_sub(range.start));
        let mut at = range.start;
        while at < end {
            if at < self.head.len() {
                let stop = end.min(self.head.len());
                out.extend_from_slice(&self.head[at..stop]);
                at = stop;
                continue;
            }
            let in_frame = (at - self.head.len()) % FRAME_LEN;
            let stop = end.min(at + FRAME_LEN - in_frame);
            for offset in in_frame..in_frame + (stop - at) {
                out.push(FRAME_HEADER.get(offset).copied().unwrap_or(0));
            }
            at = stop;
        }
        out
    }
}

/// Builds the whole MP3 file for a mix (about one second of audio).
pub(crate) fn encode_mix(tag: &MixTag) -> Vec<u8> {
    let solo = tag.solo.as_deref().unwrap_or("Full Mix");
    let mut frames = Vec::new();
    push_text_frame(&mut frames, b"TIT2", &tag.title);
    push_text_frame(&mut frames, b"TPE1", &tag.artist);
    push_text_frame(&mut frames, b"TALB", &tag.song);
    push_frame(
        &mut frames,
        b"COMM",
        &comment_body(&format!(
            "Custom backing track: solo {solo}, key {}, intro count {}",
            format_key(tag.key),
            on_off(tag.precount)
        )),
    );
    push_txxx(&mut frames, "STAGE_SOLO", solo);
    push_txxx(&mut frames, "STAGE_KEY", &format_key(tag.key));
    push_txxx(&mut frames, "STAGE_PRECOUNT", on_off(tag.precount));
    push_txxx(&mut frames, "STAGE_MIX_ID", &tag.mix_id.to_string());

    let mut file = Vec::with_capacity(10 + frames.len() + AUDIO_FRAMES * FRAME_LEN);
    file.extend_from_slice(b"ID3\x04\x00\x00");
    file.extend_from_slice(&syncsafe(frames.len()));
    file.extend_from_slice(&frames);
    for _ in 0..AUDIO_FRAMES {
        let start = file.len();
        file.extend_from_slice(&FRAME_HEADER);
        // Zeroed side information and no main data decode as silence.
        file.resize(start + FRAME_LEN, 0);
    }
    file
}

/// Validates a stage mix file (ID3v2 tag, then whole MPEG-1 Layer III frames to the last byte)
/// and returns what its tag says about the mix.
pub fn read_mix_tag(bytes: &[u8]) -> Result<MixTag, Mp3Error> {
    if bytes.len() < 10 || &bytes[..3] != b"ID3" {
        return Err(Mp3Error::NoId3Tag);
    }
    let version = bytes[3];
    if version != 3 && version != 4 {
        return Err(Mp3Error::UnsupportedVersion(version));
    }
    let tag_end = 10 + unsyncsafe(&bytes[6..10]);
    if bytes.len() < tag_end {
        return Err(Mp3Error::Truncated("the ID3 tag"));
    }
    let fields = read_frames(&bytes[10..tag_end], version)?;
    let audio_frames = count_audio_frames(bytes, tag_end)?;

    let text = |id: &'static str| {
        fields
            .iter()
            .find(|(name, _)| name == id)
            .map(|(_, value)| value.clone())
            .ok_or(Mp3Error::MissingField(id))
    };
    let solo = text("STAGE_SOLO")?;
    let key_text = text("STAGE_KEY")?;
    let precount = match text("STAGE_PRECOUNT")?.as_str() {
        "on" => true,
        "off" => false,
        _ => return Err(Mp3Error::BadField("STAGE_PRECOUNT")),
    };
    Ok(MixTag {
        artist: text("TPE1")?,
        song: text("TALB")?,
        title: text("TIT2")?,
        solo: (solo != "Full Mix").then_some(solo),
        key: key_text
            .parse()
            .map_err(|_| Mp3Error::BadField("STAGE_KEY"))?,
        precount,
        mix_id: text("STAGE_MIX_ID")?
            .parse()
            .map_err(|_| Mp3Error::BadField("STAGE_MIX_ID"))?,
        audio_frames,
    })
}

/// Key shift as the page shows it: `0`, `+2`, `-1`.
pub(crate) fn format_key(key: i32) -> String {
    if key > 0 {
        format!("+{key}")
    } else {
        key.to_string()
    }
}

fn on_off(flag: bool) -> &'static str {
    if flag { "on" } else { "off" }
}

fn push_frame(out: &mut Vec<u8>, id: &[u8; 4], body: &[u8]) {
    out.extend_from_slice(id);
    out.extend_from_slice(&syncsafe(body.len()));
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(body);
}

fn push_text_frame(out: &mut Vec<u8>, id: &[u8; 4], text: &str) {
    let mut body = vec![3u8];
    body.extend_from_slice(text.as_bytes());
    push_frame(out, id, &body);
}

fn push_txxx(out: &mut Vec<u8>, description: &str, value: &str) {
    let mut body = vec![3u8];
    body.extend_from_slice(description.as_bytes());
    body.push(0);
    body.extend_from_slice(value.as_bytes());
    push_frame(out, b"TXXX", &body);
}

fn comment_body(text: &str) -> Vec<u8> {
    let mut body = vec![3u8];
    body.extend_from_slice(b"eng");
    body.push(0);
    body.extend_from_slice(text.as_bytes());
    body
}

fn syncsafe(len: usize) -> [u8; 4] {
    let len = u32::try_from(len).unwrap_or(u32::MAX) & 0x0FFF_FFFF;
    [
        (len >> 21) as u8 & 0x7F,
        (len >> 14) as u8 & 0x7F,
        (len >> 7) as u8 & 0x7F,
        len as u8 & 0x7F,
    ]
}

fn unsyncsafe(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .fold(0usize, |acc, byte| (acc << 7) | usize::from(byte & 0x7F))
}

/// Reads text frames as `(id, value)`; TXXX frames are keyed by their description.
fn read_frames(mut tag: &[u8], version: u8) -> Result<Vec<(String, String)>, Mp3Error> {
    let mut fields = Vec::new();
    while tag.len() >= 10 && tag[0] != 0 {
        let id = std::str::from_utf8(&tag[..4]).map_err(|_| Mp3Error::BadField("frame id"))?;
        let size = if version == 4 {
            unsyncsafe(&tag[4..8])
        } else {
            u32::from_be_bytes([tag[4], tag[5], tag[6], tag[7]]) as usize
        };
        let body = tag
            .get(10..10 + size)
            .ok_or(Mp3Error::Truncated("an ID3 frame"))?;
        if let Some((&encoding, text)) = body.split_first() {
            match id {
                "TXXX" => {
                    let text = decode_text(encoding, text)?;
                    if let Some((description, value)) = text.split_once('\0') {
                        fields.push((description.to_owned(), value.to_owned()));
                    }
                }
                _ if id.starts_with('T') => {
                    fields.push((id.to_owned(), decode_text(encoding, text)?))
                }
                _ => {}
            }
        }
        tag = &tag[10 + size..];
    }
    Ok(fields)
}

fn decode_text(encoding: u8, bytes: &[u8]) -> Result<String, Mp3Error> {
    let text = match encoding {
        0 => bytes.iter().map(|&b| char::from(b)).collect(),
        3 => String::from_utf8(bytes.to_vec()).map_err(|_| Mp3Error::BadField("text encoding"))?,
        _ => return Err(Mp3Error::BadField("text encoding")),
    };
    Ok(text.trim_end_matches('\0').to_owned())
}

/// Walks MPEG-1 Layer III frames from `start` to the end of the file.
fn count_audio_frames(bytes: &[u8], start: usize) -> Result<usize, Mp3Error> {
    let mut offset = start;
    let mut frames = 0;
    while offset < bytes.len() {
        let header = bytes
            .get(offset..offset + 4)
            .ok_or(Mp3Error::Truncated("an MPEG frame header"))?;
        let len = frame_len(header).ok_or(Mp3Error::BadFrame(offset))?;
        if bytes.len() < offset + len {
            return Err(Mp3Error::Truncated("an MPEG audio frame"));
        }
        offset += len;
        frames += 1;
    }
    if frames == 0 {
        return Err(Mp3Error::Truncated("the ID3 tag, before any audio"));
    }
    Ok(frames)
}

/// Length of an MPEG-1 Layer III frame from its header, `None` if it is not one.
fn frame_len(header: &[u8]) -> Option<usize> {
    const KBPS: [usize; 16] = [
        0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0,
    ];
    const RATES: [usize; 4] = [44100, 48000, 32000, 0];
    let sync = header[0] == 0xFF && header[1] & 0xE0 == 0xE0;
    let mpeg1_layer3 = header[1] & 0x1E == 0x1A;
    let kbps = KBPS[usize::from(header[2] >> 4)];
    let rate = RATES[usize::from((header[2] >> 2) & 0x03)];
    if !sync || !mpeg1_layer3 || kbps == 0 || rate == 0 {
        return None;
    }
    let padding = usize::from((header[2] >> 1) & 0x01);
    Some(144 * kbps * 1000 / rate + padding)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(solo: Option<&str>) -> MixTag {
        MixTag {
            artist: "The Night Owls".into(),
            song: "Paper Moon Parade".into(),
            title: "Paper Moon Parade (Bass Custom Backing Track)".into(),
            solo: solo.map(str::to_owned),
            key: -2,
            precount: true,
            mix_id: 17,
            audio_frames: AUDIO_FRAMES,
        }
    }

    #[test]
    fn round_trips_the_mix_tag() {
        let original = tag(Some("Bass"));
        let file = encode_mix(&original);
        assert_eq!(read_mix_tag(&file).unwrap(), original);
        let full = tag(None);
        assert_eq!(read_mix_tag(&encode_mix(&full)).unwrap().solo, None);
    }

    #[test]
    fn file_is_id3v24_then_whole_mpeg_frames() {
        let file = encode_mix(&tag(Some("Bass")));
        assert_eq!(&file[..5], b"ID3\x04\x00");
        let audio = 10 + unsyncsafe(&file[6..10]);
        assert_eq!(&file[audio..audio + 4], &FRAME_HEADER);
        assert_eq!(file.len() - audio, AUDIO_FRAMES * FRAME_LEN);
        assert_eq!(frame_len(&FRAME_HEADER), Some(FRAME_LEN));
    }

    #[test]
    fn a_cut_file_is_reported_truncated() {
        let file = encode_mix(&tag(Some("Bass")));
        let cut = &file[..file.len() / 2];
        assert!(matches!(read_mix_tag(cut), Err(Mp3Error::Truncated(_))));
        assert!(matches!(
            read_mix_tag(&file[..20]),
            Err(Mp3Error::Truncated(_))
        ));
    }

    #[test]
    fn rejects_files_that_are_not_stage_mixes() {
        assert_eq!(read_mix_tag(b"RIFF....WAVEfmt "), Err(Mp3Error::NoId3Tag));
        let mut wrong_version = encode_mix(&tag(None));
        wrong_version[3] = 2;
        assert_eq!(
            read_mix_tag(&wrong_version),
            Err(Mp3Error::UnsupportedVersion(2))
        );
        let mut garbage_audio = encode_mix(&tag(None));
        let audio = 10 + unsyncsafe(&garbage_audio[6..10]);
        garbage_audio[audio + FRAME_LEN] = 0x00;
        assert_eq!(
            read_mix_tag(&garbage_audio),
            Err(Mp3Error::BadFrame(audio + FRAME_LEN))
        );
    }

    #[test]
    fn a_large_mix_file_is_generated_per_range_and_reads_back_valid() {
        let original = tag(Some("Bass"));
        let file = MixFile::new(&original, 3_000_000);
        assert!(file.len() >= 3_000_000 - FRAME_LEN && file.len() <= 3_010_000);
        let whole = file.bytes(0..file.len());
        let mut pieces = Vec::new();
        for start in (0..file.len()).step_by(65_537) {
            pieces.extend(file.bytes(start..(start + 65_537).min(file.len())));
        }
        assert_eq!(pieces, whole);
        let read = read_mix_tag(&whole).unwrap();
        assert_eq!(read.solo.as_deref(), Some("Bass"));
        assert_eq!(read.audio_frames, 3_000_000 / FRAME_LEN);
        let small = MixFile::new(&original, AUDIO_FRAMES as u64 * FRAME_LEN as u64);
        assert_eq!(small.bytes(0..small.len()), encode_mix(&original));
    }

    #[test]
    fn keys_are_signed_like_the_page_shows_them() {
        assert_eq!(format_key(0), "0");
        assert_eq!(format_key(3), "+3");
        assert_eq!(format_key(-4), "-4");
        assert_eq!("+3".parse::<i32>().unwrap(), 3);
    }

    #[test]
    fn syncsafe_round_trips() {
        for len in [0, 1, 127, 128, 16_383, 16_384, 1_000_000] {
            assert_eq!(unsyncsafe(&syncsafe(len)), len);
            assert!(syncsafe(len).iter().all(|b| b & 0x80 == 0));
        }
    }
}
