//! The long-connection frame: protobuf (proto2) message `pbbp2.Frame` of `feishu-platform.md`
//! §5.3, written by hand for prost (no protoc needed), shared by the daka server and
//! `daka-client`. Required fields are always encoded, even when zero, as the SDKs insist.
//!
//! Each WebSocket binary message holds one encoded [`Frame`]. Control frames
//! ([`METHOD_CONTROL`]) carry `type: ping` / `type: pong`; data frames ([`METHOD_DATA`]) carry
//! events (`type: event`) and, written back by the client, their acknowledgements.

use prost::Message as _;

/// `pbbp2.Header`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Header {
    /// Header name.
    #[prost(string, required, tag = "1")]
    pub key: String,
    /// Header value.
    #[prost(string, required, tag = "2")]
    pub value: String,
}

/// `pbbp2.Frame`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Frame {
    /// `SeqID`.
    #[prost(uint64, required, tag = "1")]
    pub seq_id: u64,
    /// `LogID`.
    #[prost(uint64, required, tag = "2")]
    pub log_id: u64,
    /// `service`: the `service_id` of the connection URL.
    #[prost(int32, required, tag = "3")]
    pub service: i32,
    /// `method`: [`METHOD_CONTROL`] or [`METHOD_DATA`].
    #[prost(int32, required, tag = "4")]
    pub method: i32,
    /// `headers`.
    #[prost(message, repeated, tag = "5")]
    pub headers: Vec<Header>,
    /// `payload_encoding`.
    #[prost(string, optional, tag = "6")]
    pub payload_encoding: Option<String>,
    /// `payload_type`.
    #[prost(string, optional, tag = "7")]
    pub payload_type: Option<String>,
    /// `payload`.
    #[prost(bytes = "vec", optional, tag = "8")]
    pub payload: Option<Vec<u8>>,
    /// `LogIDNew`.
    #[prost(string, optional, tag = "9")]
    pub log_id_new: Option<String>,
}

/// Control frames: ping and pong.
pub const METHOD_CONTROL: i32 = 0;
/// Data frames: events and their ACKs.
pub const METHOD_DATA: i32 = 1;

/// Header `type`: `ping`, `pong`, `event` or `card`.
pub const HEADER_TYPE: &str = "type";
/// Header `message_id`: the fragments of one message share it.
pub const HEADER_MESSAGE_ID: &str = "message_id";
/// Header `sum`: number of fragments of the message (`"1"` if unsplit).
pub const HEADER_SUM: &str = "sum";
/// Header `seq`: 0-based index of this fragment.
pub const HEADER_SEQ: &str = "seq";
/// Header `trace_id`.
pub const HEADER_TRACE_ID: &str = "trace_id";
/// Header `biz_rt`: added to an ACK, the handler's time in milliseconds.
pub const HEADER_BIZ_RT: &str = "biz_rt";

impl Frame {
    /// The value of header `key`.
    pub fn header(&self, key: &str) -> Option<&str> {
        self.headers.iter().find(|h| h.key == key).map(|h| h.value.as_str())
    }

    /// The protobuf encoding (one WebSocket binary message).
    pub fn to_bytes(&self) -> Vec<u8> {
        self.encode_to_vec()
    }

    /// Decodes one WebSocket binary message.
    pub fn from_bytes(bytes: &[u8]) -> Result<Frame, prost::DecodeError> {
        Frame::decode(bytes)
    }
}

/// A header.
pub fn header(key: &str, value: impl Into<String>) -> Header {
    Header { key: key.to_owned(), value: value.into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_required_zero_fields() {
        let f = Frame { method: METHOD_CONTROL, headers: vec![header("type", "pong")], ..Default::default() };
        let bytes = f.to_bytes();
        // SeqID=0, LogID=0, service=0, method=0 all present: tags 1..4 as varint fields.
        assert_eq!(&bytes[..8], &[0x08, 0, 0x10, 0, 0x18, 0, 0x20, 0]);
        assert_eq!(Frame::from_bytes(&bytes).unwrap(), f);
    }

    #[test]
    fn decodes_a_python_sdk_ping() {
        // Frame(SeqID=0, LogID=0, service=1, method=0, headers=[("type","ping")]).SerializeToString()
        let bytes = [
            0x08, 0x00, 0x10, 0x00, 0x18, 0x01, 0x20, 0x00, 0x2a, 0x0c, 0x0a, 0x04, b't', b'y', b'p', b'e', 0x12, 0x04,
            b'p', b'i', b'n', b'g',
        ];
        let f = Frame::from_bytes(&bytes).unwrap();
        assert_eq!(f.service, 1);
        assert_eq!(f.header(HEADER_TYPE), Some("ping"));
    }

    #[test]
    fn encodes_an_ack_as_the_python_sdk_does() {
        // lark_oapi.ws.pb.pbbp2_pb2: Frame(SeqID=7, LogID=9, service=33, method=1) with headers
        // type=event, message_id=m, sum=1, seq=0, biz_rt=12 and payload b'{"code":200}',
        // .SerializeToString().
        let python: [u8; 88] = [
            8, 7, 16, 9, 24, 33, 32, 1, 42, 13, 10, 4, 116, 121, 112, 101, 18, 5, 101, 118, 101, 110, 116, 42, 15, 10,
            10, 109, 101, 115, 115, 97, 103, 101, 95, 105, 100, 18, 1, 109, 42, 8, 10, 3, 115, 117, 109, 18, 1, 49, 42,
            8, 10, 3, 115, 101, 113, 18, 1, 48, 42, 12, 10, 6, 98, 105, 122, 95, 114, 116, 18, 2, 49, 50, 66, 12, 123,
            34, 99, 111, 100, 101, 34, 58, 50, 48, 48, 125,
        ];
        let ack = Frame {
            seq_id: 7,
            log_id: 9,
            service: 33,
            method: METHOD_DATA,
            headers: vec![
                header(HEADER_TYPE, "event"),
                header(HEADER_MESSAGE_ID, "m"),
                header(HEADER_SUM, "1"),
                header(HEADER_SEQ, "0"),
                header(HEADER_BIZ_RT, "12"),
            ],
            payload: Some(br#"{"code":200}"#.to_vec()),
            ..Frame::default()
        };
        assert_eq!(ack.to_bytes(), python);
        assert_eq!(Frame::from_bytes(&python).unwrap(), ack);
    }

    #[test]
    fn truncated_input_is_an_error_and_missing_fields_read_as_zero() {
        assert!(Frame::from_bytes(&[0xff, 0xff]).is_err());
        assert!(Frame::from_bytes(&[0x2a, 0x0c, 0x0a]).is_err());
        // Only method=1: prost reads the missing required fields as 0 rather than failing.
        let f = Frame::from_bytes(&[0x20, 0x01]).unwrap();
        assert_eq!((f.seq_id, f.log_id, f.service, f.method), (0, 0, 0, METHOD_DATA));
    }
}
