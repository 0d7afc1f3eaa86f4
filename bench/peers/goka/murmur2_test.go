package main

import "testing"

// Expected partitions were printed by the TypeScript side (libs/goka partitionFor, the
// Java-compatible murmur2 that the bench's fixtures use), for 6 and 1000 partitions.
func TestPartitionOfMatchesTheTypeScriptSide(t *testing.T) {
	cases := []struct {
		key      string
		six      int32
		thousand int32
	}{
		{"user-000000", 4, 264},
		{"user-000001", 5, 99},
		{"user-009999", 2, 0},
		{"a", 4, 524},
		{"ab", 2, 434},
		{"abc", 3, 107},
		{"abcd", 2, 100},
		{"abcde", 1, 741},
		{"", 3, 681},
		{"constructor", 0, 28},
	}
	for _, c := range cases {
		if got := partitionOf(c.key, 6); got != c.six {
			t.Errorf("partitionOf(%q, 6) = %d, want %d", c.key, got, c.six)
		}
		if got := partitionOf(c.key, 1000); got != c.thousand {
			t.Errorf("partitionOf(%q, 1000) = %d, want %d", c.key, got, c.thousand)
		}
	}
}

func TestBenchValueIs100BytesOfJSON(t *testing.T) {
	for _, i := range []int{0, 7, 9_999, 123_456, 499_999} {
		key := keyOf(i, 10_000)
		data, err := valueCodec{}.Encode(benchValue(i, key))
		if err != nil {
			t.Fatal(err)
		}
		if len(data) != valueBytes {
			t.Errorf("value %d is %d bytes: %s", i, len(data), data)
		}
	}
	if got := keyOf(10_007, 10_000); got != "user-000007" {
		t.Errorf("keyOf(10007, 10000) = %q", got)
	}
}
