package main

import (
	"errors"
	"fmt"
)

// checkQueryData reads a pluginv2.QueryDataResponse just far enough to find failed queries:
// responses (field 1) is a map of refId (1) to DataResponse (2), whose error is field 2 and
// frames field 1. A good answer has at least one response, none with an error.
func checkQueryData(message []byte) error {
	responses := 0
	err := eachField(message, func(number int, wireType int, value []byte) error {
		if number != 1 || wireType != wireBytes {
			return nil
		}
		responses++
		var refID string
		var dataResponse []byte
		if err := eachField(value, func(n int, t int, v []byte) error {
			if t == wireBytes && n == 1 {
				refID = string(v)
			} else if t == wireBytes && n == 2 {
				dataResponse = v
			}
			return nil
		}); err != nil {
			return err
		}
		return eachField(dataResponse, func(n int, t int, v []byte) error {
			if t == wireBytes && n == 2 && len(v) > 0 {
				return fmt.Errorf("query %s: %s", refID, shorten(string(v), 300))
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	if responses == 0 {
		return errors.New("QueryDataResponse without responses")
	}
	return nil
}

const (
	wireVarint  = 0
	wireFixed64 = 1
	wireBytes   = 2
	wireFixed32 = 5
)

// eachField walks the top-level fields of one protobuf message; value is the payload of a
// length-delimited field and nil for the others.
func eachField(message []byte, visit func(number int, wireType int, value []byte) error) error {
	for i := 0; i < len(message); {
		key, n := varint(message[i:])
		if n == 0 {
			return errors.New("truncated field key")
		}
		i += n
		number, wireType := int(key>>3), int(key&7)
		var value []byte
		switch wireType {
		case wireVarint:
			_, n = varint(message[i:])
			if n == 0 {
				return errors.New("truncated varint")
			}
			i += n
		case wireFixed64:
			i += 8
		case wireFixed32:
			i += 4
		case wireBytes:
			length, n := varint(message[i:])
			if n == 0 || uint64(len(message)-i-n) < length {
				return errors.New("truncated length-delimited field")
			}
			i += n
			value = message[i : i+int(length)]
			i += int(length)
		default:
			return fmt.Errorf("unsupported wire type %d", wireType)
		}
		if i > len(message) {
			return errors.New("truncated fixed-size field")
		}
		if err := visit(number, wireType, value); err != nil {
			return err
		}
	}
	return nil
}

// varint decodes a base-128 varint: its value and the bytes it took (0 when truncated).
func varint(b []byte) (uint64, int) {
	var value uint64
	for i := 0; i < len(b) && i < 10; i++ {
		value |= uint64(b[i]&0x7f) << (7 * uint(i))
		if b[i] < 0x80 {
			return value, i + 1
		}
	}
	return 0, 0
}

func shorten(text string, max int) string {
	if len(text) <= max {
		return text
	}
	return text[:max] + "…"
}
