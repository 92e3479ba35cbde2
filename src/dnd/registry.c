/* Every do-not-disturb backend. Adding a desktop is adding its file and one line here. */
#include <stddef.h>

#include "dnd.h"

extern const struct present_dnd_backend present_dnd_gnome, present_dnd_kde, present_dnd_xfce, present_dnd_dunst,
	present_dnd_mako, present_dnd_swaync_inhibitor, present_dnd_swaync, present_dnd_cinnamon, present_dnd_mate,
	present_dnd_budgie, present_dnd_elementary;

/* Probed in this order; a server claimed by an earlier entry never reaches a
 * later one. Those known by name come first; KDE's last, as its fallback
 * asks the server for its interface. */
const struct present_dnd_backend *const present_dnd_backends[] = {
	&present_dnd_gnome,
	&present_dnd_dunst,
	&present_dnd_mako,
	&present_dnd_xfce,
	&present_dnd_swaync_inhibitor,
	&present_dnd_swaync, /* after the inhibitor: its probe counts on it */
	&present_dnd_cinnamon,
	&present_dnd_mate,
	&present_dnd_elementary,
	&present_dnd_budgie,
	&present_dnd_kde,
	NULL,
};
