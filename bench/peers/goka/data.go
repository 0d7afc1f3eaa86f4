package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// benchValueJSON is the record of every workload, as bench/src/data.ts defines it: a JSON object
// {id, user, text} padded with text to exactly valueBytes bytes.
type benchValueJSON struct {
	ID   int    `json:"id"`
	User string `json:"user"`
	Text string `json:"text"`
}

const valueBytes = 100

func keyOf(i, keys int) string {
	return fmt.Sprintf("user-%06d", i%keys)
}

func benchValue(id int, user string) *benchValueJSON {
	base := len(`{"id":,"user":"","text":""}`) + len(strconv.Itoa(id)) + len(user)
	return &benchValueJSON{ID: id, User: user, Text: strings.Repeat("x", max(0, valueBytes-base))}
}

// valueCodec is the JSON codec of the input records (json<BenchValue>() on the TypeScript side):
// encoding/json both ways, as a Goka user would write it.
type valueCodec struct{}

func (valueCodec) Encode(value any) ([]byte, error) { return json.Marshal(value) }

func (valueCodec) Decode(data []byte) (any, error) {
	var v benchValueJSON
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// countCodec is the table codec of the count processor (json<number>() on the TypeScript side):
// a JSON number.
type countCodec struct{}

func (countCodec) Encode(value any) ([]byte, error) { return json.Marshal(value) }

func (countCodec) Decode(data []byte) (any, error) {
	var n int64
	if err := json.Unmarshal(data, &n); err != nil {
		return nil, err
	}
	return n, nil
}
