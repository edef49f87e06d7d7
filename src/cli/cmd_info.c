/* cmd_info.c - placeholder until the compressor lands: refuses clearly. */
#include "cli.h"
int cmd_info(int argc, char **argv)
{
    (void)argc, (void)argv;
    return cli_fail("info", EXIT_USAGE, "not available in this build yet");
}
