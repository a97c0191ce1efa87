#!/usr/bin/env bash
# End-to-end test of the full screen: drives the real program in tmux through
# load -> tree -> run -> heatmap -> resize -> quit, then checks the terminal settings are
# unchanged; then the acceptance path on the tiny BERT sample (fold the tree to one encoder
# layer, run, heatmap an attention head in 24-bit colour, step heads, resize, Ctrl-C during a
# run, quit). Every wait polls the screen with a timeout (the CI machine is loaded).
# Usage: tmux-e2e.sh PATH/TO/surgeon-shell   (exit 0 = pass)
set -u
BIN=${1:?usage: tmux-e2e.sh SURGEON_SHELL_BINARY}
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
WORK=$(mktemp -d)
SOCK="surgeon-e2e-$$"
. "$(dirname "$0")/tmux-lib.sh"

"$BIN" -c "save $WORK/demo.onnx" >/dev/null || fail "could not write the demo model"

# start SESSION [VAR=VALUE ...] [-- ARGS...]: the program in a shell that records stty before
# and after; waits for the prompt $PROMPT (default "(demo) >").
start() {
  local s=$1 envs="" args=""
  shift
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do envs="$envs $1"; shift; done
  [ $# -gt 0 ] && shift
  args="$*"
  T new-session -d -s "$s" -x 120 -y 40 \
    "cd $WORK; stty -a > $s.stty.before; env -u NO_COLOR -u COLORTERM HOME=$WORK TERM=xterm-256color LANG=C.UTF-8 $envs '$BIN' $args; echo \$? > $s.status; stty -a > $s.stty.after; sleep 60"
  wait_for "$s" "${PROMPT:-(demo) >}"
}
finished() { # finished SESSION: waits for the exit status, checks it and the terminal settings
  local end=$((SECONDS + 30))
  while [ ! -s "$WORK/$1.status" ] && [ $SECONDS -lt $end ]; do sleep 0.2; done
  [ -s "$WORK/$1.status" ] || fail "$1 did not exit"
  [ "$(cat "$WORK/$1.status")" = 0 ] || fail "$1 exit status $(cat "$WORK/$1.status")"
  sleep 0.3
  # The first line has the window size, which the resize step changes on purpose.
  diff <(tail -n +2 "$WORK/$1.stty.before") <(tail -n +2 "$WORK/$1.stty.after") || fail "$1 left the terminal settings changed"
}

start e2e
echo "ok: started"
text e2e "load demo.onnx as m"; keys e2e Enter
wait_for e2e "loaded m:"
wait_for e2e "Graph: m (6 nodes)"
echo "ok: load"
text e2e "tree layer2"; keys e2e Enter
wait_for e2e "tree: layer2"
screen e2e | grep -q "▾ layer2" || fail "tree pane does not show layer2"
echo "ok: tree"
text e2e "inspect all"; keys e2e Enter
text e2e "run"; keys e2e Enter
wait_for e2e "sigmoid: tensor("
wait_for e2e "μ="
echo "ok: run"
keys e2e Tab g j j j h  # tree layer2 folded layer1 and layer3: row 3 is layer2's Gemm
wait_for e2e "Heatmap: layer2"
T capture-pane -p -e -t e2e | grep -q $'\e\\[38;5;[0-9]*m' || fail "no 256-colour cells in the heatmap"
screen e2e | grep -q "▀" || fail "no half blocks in the heatmap"
echo "ok: heatmap of a node"
keys e2e Escape
text e2e "heatmap randn(2, 8, 16, 16)"; keys e2e Enter
wait_for e2e "slice 0,0,:r,:c"
keys e2e Tab Tab ']'
wait_for e2e "slice 0,1,:r,:c"
echo "ok: heatmap slices"
T resize-window -t e2e -x 90 -y 30
sleep 0.5
wait_for e2e "Transcript"
[ "$(screen e2e | wc -l)" -le 30 ] || fail "screen not reflowed to 30 rows"
screen e2e | while IFS= read -r line; do
  [ "$(printf '%s' "$line" | LC_ALL=C.UTF-8 wc -m)" -le 90 ] || exit 1
done || fail "a line is wider than 90 columns"
screen e2e | sed -n 1p | grep -q "surgeon-shell" || fail "header missing after resize"
screen e2e | grep -q "┘$" || fail "pane borders missing after resize"
echo "ok: resize"
keys e2e Escape
text e2e "quit"; keys e2e Enter
finished e2e
echo "ok: quit, terminal restored"

start e2e2
keys e2e2 C-d
finished e2e2
echo "ok: Ctrl-D, terminal restored"

# --- The tiny BERT (samples/models/bert-tiny.onnx): an attention head without leaving the screen.
cp "$ROOT/samples/models/bert-tiny.onnx" "$WORK/" || fail "no samples/models/bert-tiny.onnx"
# A direct-colour description (CI's Debian has only ncurses-base, without xterm-direct):
# xterm-256color with RGB colour numbers, in $HOME/.terminfo. COLORTERM=truecolor then makes
# the program start on it; without tic the check falls back to 256 colours.
DIRECT=0
if command -v tic >/dev/null 2>&1; then
  cat > "$WORK/direct.ti" <<'TI'
xterm-direct|xterm with direct colour (surgeon-shell e2e test),
	colors#0x1000000, pairs#0x10000, RGB,
	setaf=\E[%?%p1%{8}%<%t3%p1%d%e38;2;%p1%{65536}%/%d;%p1%{256}%/%{255}%&%d;%p1%{255}%&%d%;m,
	setab=\E[%?%p1%{8}%<%t4%p1%d%e48;2;%p1%{65536}%/%d;%p1%{256}%/%{255}%&%d;%p1%{255}%&%d%;m,
	initc@, ccc@, oc@, use=xterm-256color,
TI
  tic -x -o "$WORK/.terminfo" "$WORK/direct.ti" 2>/dev/null && DIRECT=1
fi
PROMPT="(bert-tiny) >" start bert COLORTERM=truecolor -- bert-tiny.onnx
echo "ok: started on bert-tiny.onnx"
text bert "tree bert.encoder.layer.0"; keys bert Enter
wait_for bert "tree: bert.encoder.layer.0"
wait_for bert "▾ layer.0"
wait_for bert "▾ attention"
# layer.0 is at the top of the tree pane; layer.1 (folded) is the last row.
keys bert Tab; text bert "G"
wait_for bert "▸ layer.1"
keys bert Escape
echo "ok: tree folded to one encoder layer"
text bert "inspect all"; keys bert Enter
text bert "run input_ids=randint(0, 100, (1, 16))"; keys bert Enter
wait_for bert "]]])"
wait_for bert "μ="
echo "ok: run"
# In the tree: from the top, the first Softmax is layer 0's attention probabilities.
keys bert Tab; text bert "g/softmax"; keys bert Enter; text bert "h"
wait_for bert "Heatmap: bert.encoder.layer.0.attention.self.softmax"
wait_for bert "float32[1,2,16,16]  slice 0,0,:r,:c"
screen bert | grep -q "16×16" || fail "no 16×16 slice shown"
if [ "$DIRECT" = 1 ]; then
  T capture-pane -p -e -t bert | grep -q $'\e\\[38;2;[0-9]*;[0-9]*;[0-9]*m' || fail "no 24-bit colour cells in the heatmap"
  echo "ok: attention head heatmap in 24-bit colour"
else
  T capture-pane -p -e -t bert | grep -q $'\e\\[38;5;[0-9]*m' || fail "no 256-colour cells in the heatmap"
  echo "ok: attention head heatmap (tic missing: 256 colours)"
fi
keys bert Tab; text bert "]"
wait_for bert "slice 0,1,:r,:c"
echo "ok: next head"
T resize-window -t bert -x 100 -y 32
# Until the program has redrawn for the new size: 32 rows, the boxes closed at column 100.
redrawn() { local t; t=$(screen bert); [ "$(printf '%s\n' "$t" | wc -l)" -le 32 ] && printf '%s\n' "$t" | grep -q "┘$" && printf '%s\n' "$t" | grep -q "slice 0,1,:r,:c"; }
end=$((SECONDS + 30))
until redrawn || [ $SECONDS -ge $end ]; do sleep 0.2; done
redrawn || fail "not redrawn at 100x32 with the heatmap"
echo "ok: resize keeps the heatmap"
keys bert Escape
text bert "bench runs=100000000"; keys bert Enter
wait_for bert "running: bench runs=100000000"
sleep 0.5
keys bert C-c
wait_for bert "interrupted"
text bert "print 1 + 1"; keys bert Enter
wait_for bert "tensor(2"
echo "ok: Ctrl-C stops a run and the screen goes on"
text bert "quit"; keys bert Enter
finished bert
echo "ok: quit after Ctrl-C, terminal restored"
echo PASS
