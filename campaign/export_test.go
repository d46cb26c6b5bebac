package campaign

// Collide makes every key of t hash alike, so that tests can check that
// keys are told apart by comparison, not by hash. Call it on an empty table.
func (t *KeyTable) Collide() { t.collide = true }

// Chunks returns how many 1 MiB chunks hold t's keys.
func (t *KeyTable) Chunks() int { return len(t.chunks) }

// MaxKeyBytes is the longest key a KeyTable keeps in its chunks.
const MaxKeyBytes = maxKeyBytes
