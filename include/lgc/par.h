/*
 * par.h - lgc_comm over MPI (src/par/mpi.c), for the lgc program; built only
 * when CMake finds MPI (LGC_WITH_MPI). The library itself sees lgc/comm.h.
 */
#ifndef LGC_PAR_H
#define LGC_PAR_H

#include "lgc/comm.h"

/* Was this process started by mpirun (or another MPI launcher)? */
int lgc_par_launched(void);
/* MPI_Init_thread (MPI_THREAD_SERIALIZED) and a communicator over MPI_COMM_WORLD into c. */
lgc_status lgc_par_init(int *argc, char ***argv, lgc_comm *c, lgc_err *err);
/* MPI_Finalize, or, when failed is non-zero, MPI_Abort with it as the code
 * (a peer may be waiting in a collective that will never come). */
void lgc_par_finalize(int failed);

#endif
