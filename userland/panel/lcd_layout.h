/* A menu view laid out on a character LCD of cols x rows (16x2, 20x2,
 * 20x4), pure. A row that does not fit is marked for a scroller (LCDd's
 * marquee), never cut; menu items, choices and values always fit. */
#ifndef TWIN_PANEL_LCD_LAYOUT_H
#define TWIN_PANEL_LCD_LAYOUT_H

#include "menu.h"

#define LCD_ROWS_MAX 4

struct lcd_frame {
	int rows, cols;
	char row[LCD_ROWS_MAX][MENU_TEXT_MAX * 4];
	int scroll[LCD_ROWS_MAX]; /* longer than cols: a scroller */
	int cursor_x, cursor_y;	  /* 1-based; 0 = no cursor */
	int alert;
};

void lcd_layout(const struct menu_view *v, int cols, int rows, struct lcd_frame *f);

#endif
