# Shared by the tmux scripts (sourced): a private tmux server on the socket $WORK/$SOCK (inside
# $WORK, so the clean-up removes it with the rest: a socket under /tmp/tmux-UID outlives
# kill-server), clean-up of its panes and of $WORK, failure with every screen printed, polling
# waits and key helpers. The sourcing script sets SOCK and WORK first.
T() { tmux -S "$WORK/$SOCK" -f /dev/null "$@"; }
cleanup() {
  # Panes first (a parent that blocked SIGHUP would keep them alive past kill-server).
  for p in $(T list-panes -a -F '#{pane_pid}' 2>/dev/null); do pkill -KILL -P "$p" 2>/dev/null; kill -KILL "$p" 2>/dev/null; done
  T kill-server >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  for s in $(T list-sessions -F '#{session_name}' 2>/dev/null); do echo "--- screen of $s:"; T capture-pane -p -t "$s" 2>/dev/null; done
  exit 1
}
screen() { T capture-pane -p -t "$1"; }
# wait_for SESSION TEXT [SECONDS]: until the pane shows TEXT.
wait_for() {
  local end=$((SECONDS + ${3:-30}))
  while [ $SECONDS -lt $end ]; do
    screen "$1" 2>/dev/null | grep -qF -- "$2" && return 0
    sleep 0.2
  done
  fail "timed out waiting for '$2' in $1"
}
keys() { local s=$1; shift; T send-keys -t "$s" "$@"; }
text() { T send-keys -t "$1" -l "$2"; }
