#pragma once
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <ncursesw/curses.h>
#include <ncursesw/term.h>

// Macros that Swift cannot import, as functions.
static inline int shim_a_bold(void) { return (int)A_BOLD; }
static inline int shim_a_reverse(void) { return (int)A_REVERSE; }
static inline int shim_a_dim(void) { return (int)A_DIM; }
static inline int shim_a_underline(void) { return (int)A_UNDERLINE; }
static inline int shim_color_pair(int n) { return (int)COLOR_PAIR(n); }
static inline int shim_key_resize(void) { return KEY_RESIZE; }
static inline int shim_key_code_yes(void) { return KEY_CODE_YES; }
static inline WINDOW *shim_stdscr(void) { return stdscr; }
static inline int shim_colors(void) { return COLORS; }
static inline int shim_color_pairs(void) { return COLOR_PAIRS; }

// Writes one cell (a NUL-terminated wide string: a character and its combining marks) with an
// extended colour pair (alloc_pair numbers may exceed what a short holds).
static inline int shim_put_cell(int y, int x, const wchar_t *text, int pair, int attrs) {
    cchar_t c;
    int p = pair;
    if (setcchar(&c, text, (attr_t)attrs, 0, &p) != OK) return ERR;
    return mvadd_wch(y, x, &c);
}

// wcwidth needs _XOPEN_SOURCE in <wchar.h>; declared here so Swift sees it.
extern int wcwidth(wchar_t c);
static inline int shim_wcwidth(unsigned int c) { return wcwidth((wchar_t)c); }

// The number of colours of the terminal description `name` (-1 when there is none), and in
// *rgb its RGB flag (direct colour), without touching the screen.
static inline int shim_probe_colors(const char *name, int *rgb) {
    int err = 0;
    TERMINAL *saved = cur_term;
    *rgb = 0;
    if (setupterm(name, 1, &err) != OK) { set_curterm(saved); return -1; }
    int colors = tigetnum("colors");
    *rgb = tigetflag("RGB") > 0;
    TERMINAL *probe = cur_term;
    set_curterm(saved);
    if (probe != saved) del_curterm(probe);
    return colors;
}
