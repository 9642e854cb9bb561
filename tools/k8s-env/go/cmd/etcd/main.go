// Command etcd is go.etcd.io/etcd/server/v3's main, built under the name "etcd"
// from this module so it shares one `go build` (and one module graph) with Kubernetes.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
