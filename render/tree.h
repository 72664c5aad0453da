#ifndef FLAMEPRE_RENDER_TREE_H
#define FLAMEPRE_RENDER_TREE_H
/*
 * The merged profile of a process tree (`flamepre record`): for each
 * metric, <name>.tree.<metric>.folded, where every stack of every process
 * is rooted at `[<comm> pid=<pid>]` under its parent's frames, so a make
 * or a pre-forking server reads as one graph. <name> is the first image of
 * the command record ran.
 *
 * A process's parent is the latest image of its ppid that started before
 * it (an image that exec'd keeps its pid: children belong to the image
 * they were forked from), else the first later one (the image it was
 * forked from wrote nothing). Processes whose parent is not among the
 * profiled ones are rooted at the top.
 */
#include <sys/types.h>
#include <time.h>

/* From the profiles in dir written at or after `since` (their meta.json).
 * Returns the number of tree files written, or -1 (printed). */
int tree_write(const char *dir, time_t since, pid_t root);

#endif
