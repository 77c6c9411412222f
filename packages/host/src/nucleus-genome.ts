// Written by tools/nucleus-genome.ts from nucleus-contract.ts: do not edit. nucleus-genome.test.ts
// fails when the two differ. Longer than 300 lines because it is that genome, as data.
import type { Genome } from '@cell/contract';

// The genome of the nucleus contract as text: a cell that talks to its nucleus parses it then,
// and no cell builds the contract's TypeBox schemas (~0.12 MiB and ~0.8 ms of every cell's start).
const NUCLEUS_GENOME_JSON = `{
 "genome": 1,
 "name": "nucleus",
 "version": "1.0.0",
 "description": "Supervisor of a running tree of cells.",
 "fingerprint": "sha256:2c8cfd1322e46b674c5bf552c8ea51c984427495a2a70e448b7ed17291a96e66",
 "methods": {
  "reload": {
   "kind": "unary",
   "input": {
    "type": "object",
    "required": [
     "cell"
    ],
    "properties": {
     "cell": {
      "type": "string",
      "description": "cell name or absolute directory"
     },
     "typecheck": {
      "type": "boolean",
      "description": "false: rebuild without type-checking (\`--no-typecheck\`); default: as the tree was started"
     }
    }
   },
   "output": {
    "type": "object",
    "required": [
     "replaced",
     "rebuilt",
     "keptMajor"
    ],
    "properties": {
     "replaced": {
      "type": "integer"
     },
     "rebuilt": {
      "type": "boolean"
     },
     "keptMajor": {
      "anyOf": [
       {
        "type": "integer"
       },
       {
        "type": "null"
       }
      ],
      "description": "old major version kept running beside the new one, if any"
     }
    }
   },
   "errors": {
    "NoSuchCell": {
     "type": "object",
     "required": [
      "cell"
     ],
     "properties": {
      "cell": {
       "type": "string"
      }
     }
    },
    "ReloadFailed": {
     "type": "object",
     "required": [
      "reason",
      "code"
     ],
     "properties": {
      "reason": {
       "type": "string"
      },
      "code": {
       "anyOf": [
        {
         "type": "string"
        },
        {
         "type": "null"
        }
       ],
       "description": "the CELL_E_* code of the cause"
      }
     }
    }
   },
   "fingerprint": "sha256:b6732bc73d0b5c8a4b3b38e625f48576a5ef4aa65902f5426ccb61fbd604398e",
   "description": "Rebuilds a cell and replaces its replicas one by one without dropping calls."
  },
  "resolve": {
   "kind": "unary",
   "input": {
    "type": "object",
    "required": [
     "name",
     "major",
     "via",
     "trusted"
    ],
    "properties": {
     "name": {
      "type": "string"
     },
     "major": {
      "anyOf": [
       {
        "type": "integer"
       },
       {
        "type": "null"
       }
      ]
     },
     "via": {
      "anyOf": [
       {
        "type": "string"
       },
       {
        "type": "null"
       }
      ],
      "description": "a static axon:// address to ask, if the dependency has one"
     },
     "trusted": {
      "anyOf": [
       {
        "type": "array",
        "items": {
         "type": "string"
        }
       },
       {
        "type": "null"
       }
      ],
      "description": "node keys allowed to serve it (null: whoever answers at \`via\`, whose key the caller pins)"
     }
    }
   },
   "output": {
    "type": "object",
    "required": [
     "candidates",
     "refused"
    ],
    "properties": {
     "candidates": {
      "type": "array",
      "items": {
       "type": "object",
       "required": [
        "node",
        "host",
        "port",
        "version",
        "fingerprint"
       ],
       "properties": {
        "node": {
         "type": "string",
         "description": "the serving node (its key, a peer id)"
        },
        "host": {
         "type": "string"
        },
        "port": {
         "type": "integer"
        },
        "version": {
         "type": "string"
        },
        "fingerprint": {
         "type": "string"
        }
       }
      },
      "description": "trusted candidates only"
     },
     "refused": {
      "type": "array",
      "items": {
       "type": "object",
       "required": [
        "node",
        "reason"
       ],
       "properties": {
        "node": {
         "type": "string"
        },
        "reason": {
         "type": "string"
        }
       }
      },
      "description": "nodes that serve it but are not trusted"
     }
    }
   },
   "errors": {},
   "fingerprint": "sha256:d114aa1aa3e1cea51daa4854da1c0c75894142ab956780b7be838975d4ce6167",
   "description": "Candidates on other nodes for a cell (by name and major version), for the racer."
  },
  "restart": {
   "kind": "unary",
   "input": {
    "type": "object",
    "required": [
     "cell"
    ],
    "properties": {
     "cell": {
      "type": "string",
      "description": "cell name or absolute directory"
     }
    }
   },
   "output": {
    "type": "object",
    "required": [
     "replaced"
    ],
    "properties": {
     "replaced": {
      "type": "integer",
      "description": "replicas that were serving and were replaced"
     }
    }
   },
   "errors": {
    "NoSuchCell": {
     "type": "object",
     "required": [
      "cell"
     ],
     "properties": {
      "cell": {
       "type": "string"
      }
     }
    },
    "RestartFailed": {
     "type": "object",
     "required": [
      "reason",
      "code"
     ],
     "properties": {
      "reason": {
       "type": "string"
      },
      "code": {
       "anyOf": [
        {
         "type": "string"
        },
        {
         "type": "null"
        }
       ],
       "description": "the CELL_E_* code of the cause"
      }
     }
    }
   },
   "fingerprint": "sha256:5e54cf503e903aab5ea53bb74d2d30e016ee4753fdf39aa90680afb797ff06e9",
   "description": "Replaces the replicas of a cell one by one with new processes of its current build (nothing is rebuilt), without dropping calls."
  },
  "scale": {
   "kind": "unary",
   "input": {
    "type": "object",
    "required": [
     "cell",
     "replicas"
    ],
    "properties": {
     "cell": {
      "type": "string",
      "description": "cell name or absolute directory"
     },
     "replicas": {
      "type": "integer",
      "minimum": 1,
      "maximum": 1000
     }
    }
   },
   "output": {
    "type": "object",
    "required": [
     "replicas",
     "ready"
    ],
    "properties": {
     "replicas": {
      "type": "integer"
     },
     "ready": {
      "type": "integer",
      "description": "ready replicas"
     }
    }
   },
   "errors": {
    "NoSuchCell": {
     "type": "object",
     "required": [
      "cell"
     ],
     "properties": {
      "cell": {
       "type": "string"
      }
     }
    },
    "NotYourCell": {
     "type": "object",
     "required": [
      "cell",
      "parent",
      "caller"
     ],
     "properties": {
      "cell": {
       "type": "string"
      },
      "parent": {
       "anyOf": [
        {
         "type": "string"
        },
        {
         "type": "null"
        }
       ]
      },
      "caller": {
       "anyOf": [
        {
         "type": "string"
        },
        {
         "type": "null"
        }
       ]
      }
     }
    },
    "OverCapacity": {
     "type": "object",
     "required": [
      "resource",
      "asked",
      "allowed"
     ],
     "properties": {
      "resource": {
       "type": "string"
      },
      "asked": {
       "type": "number"
      },
      "allowed": {
       "type": "number"
      }
     }
    },
    "ScaleFailed": {
     "type": "object",
     "required": [
      "reason"
     ],
     "properties": {
      "reason": {
       "type": "string"
      }
     }
    }
   },
   "fingerprint": "sha256:b29dc3632ea7e99e10a0de8f26c2a264e6223eec691f41c8857f36ca6c1032a5",
   "description": "Runs a cell with this many replicas from now on: new ones are started (the call returns once they are ready), the highest ones drained. Asked by a cell of its own sub-cells (the caller's name must be the target's parent), within the tree root's [resources]."
  },
  "spans": {
   "kind": "unary",
   "input": {
    "type": "object",
    "properties": {
     "trace": {
      "type": "string",
      "pattern": "^[0-9a-f]{1,32}$",
      "description": "a trace id or a prefix of one (hex)"
     },
     "limit": {
      "type": "integer",
      "minimum": 1,
      "maximum": 100000,
      "description": "at most this many spans per replica (default 1000)"
     }
    }
   },
   "output": {
    "type": "object",
    "required": [
     "spans",
     "unanswered"
    ],
    "properties": {
     "spans": {
      "type": "array",
      "items": {
       "type": "object",
       "required": [
        "trace",
        "span",
        "method",
        "start",
        "durationMs",
        "outcome",
        "cell",
        "replica"
       ],
       "properties": {
        "trace": {
         "type": "string",
         "pattern": "^[0-9a-f]{32}$",
         "description": "the request, 32 hex characters"
        },
        "span": {
         "type": "string",
         "pattern": "^[0-9a-f]{16}$",
         "description": "this call, 16 hex characters"
        },
        "parent": {
         "type": "string",
         "pattern": "^[0-9a-f]{16}$",
         "description": "the span of the call whose handler made this one; absent at the trace's root"
        },
        "method": {
         "type": "string",
         "maxLength": 255
        },
        "start": {
         "type": "number",
         "description": "when the call arrived, epoch ms"
        },
        "durationMs": {
         "type": "number"
        },
        "outcome": {
         "type": "string",
         "description": "\`ok\`, or the error code"
        },
        "caller": {
         "type": "string",
         "description": "the calling cell"
        },
        "node": {
         "type": "string",
         "description": "the calling node, over an axon"
        },
        "cell": {
         "type": "string"
        },
        "replica": {
         "type": "string"
        },
        "recordedBy": {
         "type": "string",
         "description": "the node whose replica recorded it, when that is another node"
        }
       }
      },
      "description": "oldest first"
     },
     "unanswered": {
      "type": "array",
      "items": {
       "type": "string"
      },
      "description": "running replicas that did not answer in time"
     }
    }
   },
   "errors": {},
   "fingerprint": "sha256:c4ec1b5aa8d4d02928546563e901fca20ea27eeb12807909c263489f02376388",
   "description": "Recent spans of the calls the tree's replicas served: one trace's, or the newest of all (docs/traces.md)."
  },
  "start": {
   "kind": "unary",
   "input": {
    "type": "object",
    "required": [
     "cell"
    ],
    "properties": {
     "cell": {
      "type": "string",
      "description": "cell name or absolute directory"
     }
    }
   },
   "output": {
    "type": "object",
    "required": [
     "ready"
    ],
    "properties": {
     "ready": {
      "type": "integer",
      "description": "ready replicas"
     }
    }
   },
   "errors": {
    "NoSuchCell": {
     "type": "object",
     "required": [
      "cell"
     ],
     "properties": {
      "cell": {
       "type": "string"
      }
     }
    },
    "StartFailed": {
     "type": "object",
     "required": [
      "reason"
     ],
     "properties": {
      "reason": {
       "type": "string"
      }
     }
    }
   },
   "fingerprint": "sha256:4ded7e07aea3c102181367da702f04660b6fbdc557ec3bff49515183e3c182e7",
   "description": "Starts a cell that is not running (idle or stopped) and waits until it is ready."
  },
  "status": {
   "kind": "unary",
   "input": {
    "type": "object",
    "properties": {}
   },
   "output": {
    "type": "object",
    "required": [
     "version",
     "root",
     "nucleus",
     "cells",
     "gateway",
     "metrics",
     "dashboard",
     "network"
    ],
    "properties": {
     "version": {
      "type": "number",
      "const": 1
     },
     "root": {
      "type": "string"
     },
     "nucleus": {
      "type": "object",
      "required": [
       "pid",
       "startedAt",
       "uptimeMs",
       "phase"
      ],
      "properties": {
       "pid": {
        "type": "integer"
       },
       "startedAt": {
        "type": "number"
       },
       "uptimeMs": {
        "type": "number"
       },
       "phase": {
        "anyOf": [
         {
          "type": "string",
          "const": "starting"
         },
         {
          "type": "string",
          "const": "running"
         },
         {
          "type": "string",
          "const": "stopping"
         }
        ],
        "description": "starting: joining the network, building, starting cells; running: start-up is over"
       },
       "sparePid": {
        "type": "integer",
        "description": "the pre-started Node process the next Node cell to start becomes, while one waits (a tree with a cell that sleeps when idle keeps one)"
       }
      }
     },
     "cells": {
      "type": "array",
      "items": {
       "type": "object",
       "required": [
        "name",
        "version",
        "dir",
        "parent",
        "state",
        "replicasWanted",
        "idleTimeoutMs",
        "limits",
        "replicas",
        "failure",
        "deps",
        "methods"
       ],
       "properties": {
        "name": {
         "type": "string"
        },
        "version": {
         "type": "string",
         "description": "the version it runs: from its genome (cell.toml before its first build); an old major kept beside a newer one shows its own"
        },
        "dir": {
         "type": "string",
         "description": "absolute directory"
        },
        "parent": {
         "anyOf": [
          {
           "type": "string",
           "description": "name of the parent cell in the tree"
          },
          {
           "type": "null"
          }
         ]
        },
        "state": {
         "anyOf": [
          {
           "type": "string",
           "const": "building"
          },
          {
           "type": "string",
           "const": "starting"
          },
          {
           "type": "string",
           "const": "ready"
          },
          {
           "type": "string",
           "const": "degraded"
          },
          {
           "type": "string",
           "const": "failed"
          },
          {
           "type": "string",
           "const": "idle"
          },
          {
           "type": "string",
           "const": "stopping"
          },
          {
           "type": "string",
           "const": "stopped"
          },
          {
           "type": "string",
           "const": "group"
          }
         ],
         "description": "ready: all replicas ready; degraded: some; failed: past its restart limit; idle: exited after idle_timeout; group: no entry, only sub-cells"
        },
        "replicasWanted": {
         "type": "integer"
        },
        "idleTimeoutMs": {
         "anyOf": [
          {
           "type": "number"
          },
          {
           "type": "null"
          }
         ]
        },
        "limits": {
         "type": "object",
         "required": [
          "memoryBytes",
          "cpu",
          "enforcedBy",
          "warning"
         ],
         "properties": {
          "memoryBytes": {
           "anyOf": [
            {
             "type": "number"
            },
            {
             "type": "null"
            }
           ]
          },
          "cpu": {
           "anyOf": [
            {
             "type": "number"
            },
            {
             "type": "null"
            }
           ]
          },
          "enforcedBy": {
           "anyOf": [
            {
             "type": "string",
             "const": "cgroup-v2"
            },
            {
             "type": "string",
             "const": "cgroup-v1"
            },
            {
             "type": "string",
             "const": "none"
            }
           ]
          },
          "warning": {
           "anyOf": [
            {
             "type": "string"
            },
            {
             "type": "null"
            }
           ]
          }
         }
        },
        "replicas": {
         "type": "array",
         "items": {
          "type": "object",
          "required": [
           "id",
           "index",
           "state",
           "pid",
           "restarts",
           "startedAt",
           "uptimeMs",
           "rssBytes",
           "socket",
           "ports",
           "axonPort",
           "logError",
           "calls",
           "lastExit"
          ],
          "properties": {
           "id": {
            "type": "string",
            "description": "replica id, e.g. inventory-2"
           },
           "index": {
            "type": "integer"
           },
           "state": {
            "anyOf": [
             {
              "type": "string",
              "const": "starting"
             },
             {
              "type": "string",
              "const": "ready"
             },
             {
              "type": "string",
              "const": "backoff"
             },
             {
              "type": "string",
              "const": "failed"
             },
             {
              "type": "string",
              "const": "idle"
             },
             {
              "type": "string",
              "const": "stopping"
             },
             {
              "type": "string",
              "const": "stopped"
             }
            ],
            "description": "starting | ready | backoff (waiting to restart) | failed | idle | stopping | stopped"
           },
           "pid": {
            "anyOf": [
             {
              "type": "integer"
             },
             {
              "type": "null"
             }
            ]
           },
           "restarts": {
            "type": "integer",
            "description": "restarts since the tree started"
           },
           "startedAt": {
            "anyOf": [
             {
              "type": "number",
              "description": "epoch ms the current process started"
             },
             {
              "type": "null"
             }
            ]
           },
           "uptimeMs": {
            "anyOf": [
             {
              "type": "number"
             },
             {
              "type": "null"
             }
            ]
           },
           "rssBytes": {
            "anyOf": [
             {
              "type": "number"
             },
             {
              "type": "null"
             }
            ]
           },
           "socket": {
            "anyOf": [
             {
              "type": "string",
              "description": "socket path relative to the cell directory, e.g. run/inventory-2.sock; null for a process cell (it is reached at its ports)"
             },
             {
              "type": "null"
             }
            ]
           },
           "ports": {
            "type": "object",
            "patternProperties": {
             "^.*$": {
              "type": "integer"
             }
            },
            "description": "the ports the nucleus gave it, by name (\`[cell] ports\`); empty when none"
           },
           "axonPort": {
            "anyOf": [
             {
              "type": "integer",
              "description": "TCP port other nodes call this replica on, when it serves the network"
             },
             {
              "type": "null"
             }
            ]
           },
           "logError": {
            "anyOf": [
             {
              "type": "string",
              "description": "why lines of its log could not be written (a full disk, an unwritable log/), if they could not"
             },
             {
              "type": "null"
             }
            ]
           },
           "calls": {
            "anyOf": [
             {
              "type": "object",
              "required": [
               "served",
               "failed",
               "inFlight",
               "connections",
               "axonConnections",
               "buckets"
              ],
              "properties": {
               "served": {
                "type": "integer",
                "description": "calls the process served (or refused), since it started"
               },
               "failed": {
                "type": "integer",
                "description": "of those, the ones that ended with an error"
               },
               "inFlight": {
                "type": "integer",
                "description": "calls being handled now"
               },
               "connections": {
                "type": "integer",
                "description": "caller connections open now"
               },
               "axonConnections": {
                "type": "integer",
                "description": "of those, the ones from other nodes (axons)"
               },
               "buckets": {
                "type": "array",
                "items": {
                 "type": "number"
                },
                "description": "its calls per duration bucket, all methods together (docs/metrics.md), not cumulative"
               }
              },
              "description": "what the process reports of its calls; null in the quick status (live views) and for a process cell"
             },
             {
              "type": "null"
             }
            ]
           },
           "lastExit": {
            "anyOf": [
             {
              "type": "object",
              "required": [
               "code",
               "signal",
               "reason",
               "at",
               "cause",
               "logTail"
              ],
              "properties": {
               "code": {
                "anyOf": [
                 {
                  "type": "integer"
                 },
                 {
                  "type": "null"
                 }
                ]
               },
               "signal": {
                "anyOf": [
                 {
                  "type": "string"
                 },
                 {
                  "type": "null"
                 }
                ]
               },
               "reason": {
                "anyOf": [
                 {
                  "type": "string",
                  "const": "crash"
                 },
                 {
                  "type": "string",
                  "const": "oom"
                 },
                 {
                  "type": "string",
                  "const": "idle"
                 },
                 {
                  "type": "string",
                  "const": "stopped"
                 },
                 {
                  "type": "string",
                  "const": "reload"
                 },
                 {
                  "type": "string",
                  "const": "start-failed"
                 }
                ]
               },
               "at": {
                "type": "number"
               },
               "cause": {
                "anyOf": [
                 {
                  "type": "string",
                  "description": "the line of its last output that says why it ended (an error message, not the stack or the Node version footer), if one does"
                 },
                 {
                  "type": "null"
                 }
                ]
               },
               "logTail": {
                "type": "array",
                "items": {
                 "type": "string"
                },
                "description": "last log lines of the process"
               }
              }
             },
             {
              "type": "null"
             }
            ]
           }
          }
         }
        },
        "failure": {
         "anyOf": [
          {
           "type": "string",
           "description": "why the cell is failed, if it is"
          },
          {
           "type": "null"
          }
         ]
        },
        "deps": {
         "type": "object",
         "patternProperties": {
          "^.*$": {
           "type": "array",
           "items": {
            "type": "object",
            "required": [
             "endpoint",
             "local",
             "node",
             "connected",
             "latencyMs",
             "inFlight",
             "score",
             "calls",
             "share"
            ],
            "properties": {
             "endpoint": {
              "type": "string",
              "description": "a local socket path, or axon://node@host:port"
             },
             "local": {
              "type": "boolean"
             },
             "node": {
              "anyOf": [
               {
                "type": "string"
               },
               {
                "type": "null"
               }
              ]
             },
             "connected": {
              "type": "boolean"
             },
             "latencyMs": {
              "anyOf": [
               {
                "type": "number",
                "description": "round trip, peak EWMA"
               },
               {
                "type": "null"
               }
              ]
             },
             "inFlight": {
              "type": "integer"
             },
             "score": {
              "anyOf": [
               {
                "type": "number",
                "description": "lower wins: latency x (calls in flight + 1), remote x1.5"
               },
               {
                "type": "null"
               }
              ]
             },
             "calls": {
              "type": "integer"
             },
             "share": {
              "type": "number",
              "description": "fraction of the calls to this dependency it served"
             }
            }
           }
          }
         },
         "description": "per dependency, the racer's candidates (summed over this cell's replicas)"
        },
        "methods": {
         "type": "object",
         "patternProperties": {
          "^.*$": {
           "type": "object",
           "required": [
            "ok",
            "errors",
            "buckets",
            "sumMs"
           ],
           "properties": {
            "ok": {
             "type": "integer"
            },
            "errors": {
             "type": "object",
             "patternProperties": {
              "^.*$": {
               "type": "integer"
              }
             },
             "description": "calls that failed, by error code"
            },
            "buckets": {
             "type": "array",
             "items": {
              "type": "number"
             },
             "description": "calls per duration bucket (docs/metrics.md), not cumulative"
            },
            "sumMs": {
             "type": "number"
            }
           }
          }
         },
         "description": "per method, the calls its replicas' processes served (summed; a restarted process starts again from 0)"
        }
       }
      }
     },
     "gateway": {
      "anyOf": [
       {
        "type": "object",
        "required": [
         "url",
         "cells"
        ],
        "properties": {
         "url": {
          "type": "string",
          "description": "where the HTTP door listens"
         },
         "cells": {
          "type": "array",
          "items": {
           "type": "string"
          },
          "description": "the cells it serves"
         }
        },
        "description": "the tree's HTTP door ([gateway]), once open"
       },
       {
        "type": "null"
       }
      ]
     },
     "metrics": {
      "anyOf": [
       {
        "type": "object",
        "required": [
         "url"
        ],
        "properties": {
         "url": {
          "type": "string",
          "description": "where Prometheus scrapes the tree (docs/metrics.md)"
         }
        },
        "description": "the tree's metrics endpoint ([observe] metrics), once open"
       },
       {
        "type": "null"
       }
      ]
     },
     "dashboard": {
      "anyOf": [
       {
        "type": "object",
        "required": [
         "url"
        ],
        "properties": {
         "url": {
          "type": "string",
          "description": "the page to open (with its token when bound beyond loopback)"
         }
        },
        "description": "the tree's web dashboard ([observe] dashboard), once open"
       },
       {
        "type": "null"
       }
      ]
     },
     "network": {
      "anyOf": [
       {
        "type": "object",
        "required": [
         "node",
         "directory",
         "p2p",
         "peers",
         "known",
         "refused"
        ],
        "properties": {
         "node": {
          "type": "string",
          "description": "this node: its key, a peer id"
         },
         "directory": {
          "type": "array",
          "items": {
           "type": "string"
          },
          "description": "host:port other nodes reach its directory on"
         },
         "p2p": {
          "type": "array",
          "items": {
           "type": "string"
          },
          "description": "libp2p multiaddrs (for bootstrap lists)"
         },
         "peers": {
          "type": "integer",
          "description": "libp2p peers connected"
         },
         "known": {
          "type": "array",
          "items": {
           "type": "object",
           "required": [
            "node",
            "cells",
            "via",
            "ageMs"
           ],
           "properties": {
            "node": {
             "type": "string"
            },
            "cells": {
             "type": "array",
             "items": {
              "type": "string"
             }
            },
            "via": {
             "type": "string"
            },
            "ageMs": {
             "type": "number"
            }
           }
          },
          "description": "other nodes and what they serve"
         },
         "refused": {
          "type": "array",
          "items": {
           "type": "object",
           "required": [
            "node",
            "cell",
            "reason",
            "at"
           ],
           "properties": {
            "node": {
             "type": "string"
            },
            "cell": {
             "type": "string"
            },
            "reason": {
             "type": "string"
            },
            "at": {
             "type": "number"
            }
           }
          },
          "description": "nodes that serve a dependency of this tree but are not trusted to: never sent a call"
         }
        }
       },
       {
        "type": "null"
       }
      ]
     }
    }
   },
   "errors": {},
   "fingerprint": "sha256:474d775a8e1ce1dd622bd7732b3b3c6ee2ff2a82c5c10b89f67e8c4ce3db2604"
  },
  "stop": {
   "kind": "unary",
   "input": {
    "type": "object",
    "properties": {}
   },
   "output": {
    "type": "object",
    "properties": {}
   },
   "errors": {},
   "fingerprint": "sha256:9fc0ff653283afd6e246837b228af89084f406d98fe885cc6a9fe1a274b17648",
   "description": "Stops the whole tree gracefully."
  },
  "stopCell": {
   "kind": "unary",
   "input": {
    "type": "object",
    "required": [
     "cell"
    ],
    "properties": {
     "cell": {
      "type": "string",
      "description": "cell name or absolute directory"
     }
    }
   },
   "output": {
    "type": "object",
    "properties": {}
   },
   "errors": {
    "NoSuchCell": {
     "type": "object",
     "required": [
      "cell"
     ],
     "properties": {
      "cell": {
       "type": "string"
      }
     }
    },
    "NotYourCell": {
     "type": "object",
     "required": [
      "cell",
      "parent",
      "caller"
     ],
     "properties": {
      "cell": {
       "type": "string"
      },
      "parent": {
       "anyOf": [
        {
         "type": "string"
        },
        {
         "type": "null"
        }
       ]
      },
      "caller": {
       "anyOf": [
        {
         "type": "string"
        },
        {
         "type": "null"
        }
       ]
      }
     }
    }
   },
   "fingerprint": "sha256:e3e2e47a7c3a194688a422d88437c9b62c632b47a332caed537c708144b4b9e0",
   "description": "Stops one cell (its replicas drain); \`start\` (or a call to it) starts it again. Asked by a cell of its own sub-cells: the caller's name must be the target's parent."
  }
 },
 "events": {}
}`;

let genome: Genome | undefined;

/** The genome of the nucleus contract (`toGenome(nucleusContract)`), parsed on first use. */
export function nucleusGenome(): Genome {
  genome ??= Object.freeze(JSON.parse(NUCLEUS_GENOME_JSON) as Genome);
  return genome;
}
