#!/usr/bin/env bash
# End-to-end test of the full screen: drives the real program in tmux through
# load -> tree -> run -> heatmap -> resize -> quit, then checks the terminal settings are
# unchanged. Usage: tmux-e2e.sh PATH/TO/surgeon-shell   (exit 0 = pass)
set -u
BIN=${1:?usage: tmux-e2e.sh SURGEON_SHELL_BINARY}
WORK=$(mktemp -d)
SOCK="surgeon-e2e-$$"
T() { tmux -L "$SOCK" -f /dev/null "$@"; }
cleanup() {
  # Panes first (a parent that blocked SIGHUP would keep them alive past kill-server).
  for p in $(T list-panes -a -F '#{pane_pid}' 2>/dev/null); do pkill -KILL -P "$p" 2>/dev/null; kill -KILL "$p" 2>/dev/null; done
  T kill-server >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  echo "--- screen:"; T capture-pane -p -t e2e 2>/dev/null
  exit 1
}
screen() { T capture-pane -p -t "$1"; }
# wait_for SESSION TEXT [SECONDS]: until the pane shows TEXT.
wait_for() {
  local end=$((SECONDS + ${3:-15}))
  while [ $SECONDS -lt $end ]; do
    screen "$1" 2>/dev/null | grep -qF -- "$2" && return 0
    sleep 0.2
  done
  fail "timed out waiting for '$2' in $1"
}
keys() { local s=$1; shift; T send-keys -t "$s" "$@"; }
text() { T send-keys -t "$1" -l "$2"; }

"$BIN" -c "save $WORK/demo.onnx" >/dev/null || fail "could not write the demo model"

start() { # start SESSION: the program in a shell that records stty before and after
  T new-session -d -s "$1" -x 120 -y 40 \
    "cd $WORK; stty -a > $1.stty.before; env -u NO_COLOR HOME=$WORK TERM=xterm-256color LANG=C.UTF-8 '$BIN'; echo \$? > $1.status; stty -a > $1.stty.after; sleep 60"
  wait_for "$1" "(demo) >"
}
finished() { # finished SESSION: waits for the exit status, checks it and the terminal settings
  local end=$((SECONDS + 15))
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
keys e2e Tab g j j j j h
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
echo PASS
