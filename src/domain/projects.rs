//! Projects, clients, tasks, tags and stages: who may create and edit them. (being written)
