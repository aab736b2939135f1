#include "privdrop.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int privdrop(const char *user, const char *group, char *err, size_t errlen)
{
	struct passwd pw, *pwp = NULL;
	struct group gr, *grp = NULL;
	char buf[4096];
	gid_t gid;
	int rc;

	rc = getpwnam_r(user, &pw, buf, sizeof(buf), &pwp);
	if (rc || !pwp)
		return snprintf(err, errlen, "user '%s': %s", user, rc ? strerror(rc) : "no such user"), -1;
	if (pw.pw_uid == 0)
		return snprintf(err, errlen, "user '%s' is root", user), -1;
	gid = pw.pw_gid;
	uid_t uid = pw.pw_uid;
	if (group && *group) {
		rc = getgrnam_r(group, &gr, buf, sizeof(buf), &grp);
		if (rc || !grp)
			return snprintf(err, errlen, "group '%s': %s", group,
					rc ? strerror(rc) : "no such group"),
			       -1;
		gid = gr.gr_gid;
	}
	/* the groups first: after setuid they can no longer be changed */
	if (setgroups(1, &gid) || setgid(gid) || setuid(uid))
		return snprintf(err, errlen, "becoming %s: %s", user, strerror(errno)), -1;
	if (setuid(0) == 0)
		return snprintf(err, errlen, "could get root back after becoming %s", user), -1;
	return 0;
}
