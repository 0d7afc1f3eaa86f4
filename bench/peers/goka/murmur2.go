package main

import "hash"

// murmur2 is the Java client's default partitioner hash (Utils.murmur2), which the TypeScript side
// (libs/goka partitionFor, kafkajs) uses too. Goka's default is FNV-1a; with it the peer would
// write a key to another partition than the TypeScript side, and its processor's table writes
// would land on another partition than the input record they come from.
type murmur2 struct{ data []byte }

// newMurmur2 is a hasher builder for goka.WithEmitterHasher / WithHasher and sarama's
// hash partitioner (used with sarama.WithAbsFirst: (h & 0x7fffffff) % n, as in Java).
func newMurmur2() hash.Hash32 { return &murmur2{} }

func (m *murmur2) Write(p []byte) (int, error) {
	m.data = append(m.data, p...)
	return len(p), nil
}

func (m *murmur2) Sum(b []byte) []byte {
	s := m.Sum32()
	return append(b, byte(s>>24), byte(s>>16), byte(s>>8), byte(s))
}

func (m *murmur2) Reset()         { m.data = m.data[:0] }
func (m *murmur2) Size() int      { return 4 }
func (m *murmur2) BlockSize() int { return 4 }

func (m *murmur2) Sum32() uint32 {
	const (
		seed uint32 = 0x9747b28c
		mul  uint32 = 0x5bd1e995
		r           = 24
	)
	data := m.data
	length := len(data)
	h := seed ^ uint32(length)
	for i := 0; i+4 <= length; i += 4 {
		k := uint32(data[i]) | uint32(data[i+1])<<8 | uint32(data[i+2])<<16 | uint32(data[i+3])<<24
		k *= mul
		k ^= k >> r
		k *= mul
		h *= mul
		h ^= k
	}
	tail := length &^ 3
	switch length % 4 {
	case 3:
		h ^= uint32(data[tail+2]) << 16
		fallthrough
	case 2:
		h ^= uint32(data[tail+1]) << 8
		fallthrough
	case 1:
		h ^= uint32(data[tail])
		h *= mul
	}
	h ^= h >> 13
	h *= mul
	h ^= h >> 15
	return h
}

// partitionOf is what sarama's hash partitioner with WithAbsFirst computes from this hash.
func partitionOf(key string, partitions int32) int32 {
	m := &murmur2{data: []byte(key)}
	return (int32(m.Sum32()) & 0x7fffffff) % partitions
}
