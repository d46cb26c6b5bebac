package campaign

import (
	"errors"
	"strconv"
)

// Pipeline prepares the rows of a Source for send, validate and preview
// alike: for each row it works out the recipient key, sets aside the rows
// of other shards and those whose key an earlier row had (keys are compared
// whole), and renders the message.
//
// Calls come in this order: Next until it returns an error (io.EOF at the
// end of the data), and Render for each Item that needs a message, from
// any goroutine. A Pipeline is used for one pass over its Source.
type Pipeline struct {
	Source   Source
	Renderer Renderer
	// Shard, when its N is above 1, sets aside the rows whose key belongs
	// to another shard (Item.OtherShard).
	Shard Shard
	// Previous, when set, returns what an earlier run recorded of a key
	// (Journal.Previous) and Policy says which of those a run sends again:
	// the others come out Settled. A settled key is not remembered, so a
	// later row with it is settled too rather than a duplicate; a resume
	// that skips most rows thus keeps little in memory.
	Previous func(key string) (Status, bool)
	Policy   ResumePolicy

	firsts KeyTable // key → first row taken with it
}

// Item is one row on its way through a Pipeline. At most one of Err,
// OtherShard, DuplicateOf and Settled is set; an Item with none of them
// set is to be rendered and sent.
type Item struct {
	Row Row
	// Key is the recipient key, "" when Err is set.
	Key string
	// Err is the *RowError of a row that cannot go on: the source could not
	// read it or it has no usable key.
	Err error
	// OtherShard: the key belongs to another shard of the list.
	OtherShard bool
	// DuplicateOf is the number of the earlier row with the same key.
	DuplicateOf int
	// Settled: an earlier run's record (Previous) needs nothing more.
	Settled bool
	// Previous is that record's status, "" when there is none.
	Previous Status
}

// Next reads the next row of the Source and prepares its Item. At the end
// of the data it returns io.EOF; any error other than a row's own (which
// comes in Item.Err) is the Source's, and ends the pass.
func (p *Pipeline) Next() (Item, error) {
	row, err := p.Source.Next()
	if err != nil {
		var re *RowError
		if errors.As(err, &re) {
			return Item{Row: Row{Num: re.Row}, Err: re}, nil
		}
		return Item{}, err
	}
	key, err := p.Renderer.Key(row)
	if err != nil {
		return Item{Row: row, Err: asRowError(row.Num, "", err)}, nil
	}
	it := Item{Row: row, Key: key}
	if !p.Shard.Has(key) {
		it.OtherShard = true
		return it, nil
	}
	if v, dup := p.firsts.Get(key); dup {
		it.DuplicateOf = int(v)
		return it, nil
	}
	if p.Previous != nil {
		if prev, ok := p.Previous(key); ok {
			it.Previous = prev
			if !p.Policy.Sends(prev) {
				it.Settled = true
				return it, nil
			}
		}
	}
	p.firsts.AddString(key, uint64(row.Num))
	return it, nil
}

// Render renders the message of it. Errors are *RowError naming the row
// and the key.
func (p *Pipeline) Render(it Item) (*Message, error) {
	msg, err := p.Renderer.Render(it.Row)
	if err != nil {
		return nil, asRowError(it.Row.Num, it.Key, err)
	}
	return msg, nil
}

// DuplicateError returns the *RowError that reports it as a duplicate.
func (it Item) DuplicateError() *RowError {
	return &RowError{Row: it.Row.Num, Key: it.Key, Err: errors.New("duplicate of row " + strconv.Itoa(it.DuplicateOf))}
}

// asRowError returns err as a *RowError of row num, with key filled in
// when err lacks one.
func asRowError(num int, key string, err error) *RowError {
	var re *RowError
	if errors.As(err, &re) {
		if re.Key == "" && key != "" {
			cp := *re
			cp.Key = key
			return &cp
		}
		return re
	}
	return &RowError{Row: num, Key: key, Err: err}
}
