import Surgeon
