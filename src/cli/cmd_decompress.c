/* cmd_decompress.c - placeholder until the compressor lands: refuses clearly. */
#include "cli.h"
int cmd_decompress(int argc, char **argv)
{
    (void)argc, (void)argv;
    return cli_fail("decompress", EXIT_USAGE, "not available in this build yet");
}
