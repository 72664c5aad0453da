#ifndef FLAMEPRE_VERSION_H
#define FLAMEPRE_VERSION_H
/*
 * The one version number: meta.json's "version" and `flamepre --version`
 * print it, so a profile names the tool that wrote it and the CLI that
 * reads it can be compared by eye.
 */
#define FLAMEPRE_VERSION "0.1.0"

#endif
