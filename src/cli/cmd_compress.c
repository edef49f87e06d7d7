/* cmd_compress.c - placeholder until the compressor lands: refuses clearly. */
#include "cli.h"
int cmd_compress(int argc, char **argv)
{
    (void)argc, (void)argv;
    return cli_fail("compress", EXIT_USAGE, "not available in this build yet");
}
