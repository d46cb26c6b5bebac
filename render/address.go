package render

import (
	"strings"
	"text/template/parse"
)

// guardAddresses rewrites the top-level actions of an address header's
// template so that row data cannot change the number of addresses:
//
//   - an action followed by "<" (a display name, as in {{.name}} <...>) gets
//     its output quoted as one quoted-string;
//   - an action between "<" and ">" must output a single bare address, else
//     the row fails.
//
// An action standing alone (Cc: {{.managers}}) is left as it is, so a field
// may hold a comma-separated address list on purpose.
func guardAddresses(tree *parse.Tree) {
	nodes := tree.Root.Nodes
	for i, n := range nodes {
		a, ok := n.(*parse.ActionNode)
		if !ok || len(a.Pipe.Decl) > 0 {
			continue
		}
		before, after := textAt(nodes, i-1), textAt(nodes, i+1)
		switch {
		case strings.HasSuffix(strings.TrimRight(before, " \t"), "<") &&
			strings.HasPrefix(strings.TrimLeft(after, " \t"), ">"):
			appendCall(tree, a, fnAddrSpec)
		case strings.HasPrefix(strings.TrimLeft(after, " \t"), "<"):
			appendCall(tree, a, fnDisplayName)
		}
	}
}

// textAt returns the text of nodes[i] if it is a text node, else "".
func textAt(nodes []parse.Node, i int) string {
	if i < 0 || i >= len(nodes) {
		return ""
	}
	if t, ok := nodes[i].(*parse.TextNode); ok {
		return string(t.Text)
	}
	return ""
}

// appendCall pipes the action's output into the function fn, the way
// html/template adds its escapers.
func appendCall(tree *parse.Tree, a *parse.ActionNode, fn string) {
	id := parse.NewIdentifier(fn).SetTree(tree).SetPos(a.Pos)
	a.Pipe.Cmds = append(a.Pipe.Cmds, &parse.CommandNode{
		NodeType: parse.NodeCommand,
		Pos:      a.Pos,
		Args:     []parse.Node{id},
	})
}
