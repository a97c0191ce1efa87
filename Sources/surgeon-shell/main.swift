print("surgeon-shell")
