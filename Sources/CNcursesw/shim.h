#pragma once
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <ncursesw/curses.h>

// Macros that Swift cannot import, as functions.
static inline int shim_a_bold(void) { return (int)A_BOLD; }
static inline int shim_a_reverse(void) { return (int)A_REVERSE; }
static inline int shim_a_dim(void) { return (int)A_DIM; }
static inline int shim_a_underline(void) { return (int)A_UNDERLINE; }
static inline int shim_color_pair(int n) { return (int)COLOR_PAIR(n); }
static inline int shim_key_resize(void) { return KEY_RESIZE; }
